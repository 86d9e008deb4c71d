//! The Ansible filters over text and data that minijinja lacks or spells differently: JSON and
//! YAML, regular expressions, base64, mappings.

use std::sync::LazyLock;

use base64::Engine as _;
use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind};
use regex::Regex;

use super::filter_error::invalid;
use super::python_json;
use super::python_regex::python_replacement;
use super::python_yaml::{self, Layout};

pub fn register(env: &mut Environment<'static>) {
    env.add_filter("bool", to_bool);
    env.add_filter("mandatory", mandatory);
    env.add_filter("to_json", |v: Value, kwargs: Kwargs| json(&v, kwargs, None, false));
    env.add_filter("to_nice_json", |v: Value, kwargs: Kwargs| json(&v, kwargs, Some(4), true));
    env.add_filter("from_json", from_json);
    env.add_filter("to_yaml", |v: Value, kwargs: Kwargs| yaml(&v, kwargs, Layout::TERSE));
    env.add_filter("to_nice_yaml", |v: Value, kwargs: Kwargs| yaml(&v, kwargs, Layout::NICE));
    env.add_filter("from_yaml", from_yaml);
    env.add_filter("regex_replace", regex_replace);
    env.add_filter("regex_search", regex_search);
    env.add_filter("regex_findall", regex_findall);
    env.add_filter("b64encode", |s: String| base64::engine::general_purpose::STANDARD.encode(s));
    env.add_filter("b64decode", b64decode);
    env.add_filter("combine", combine);
    env.add_filter("dict2items", dict2items);
    env.add_filter("items2dict", items2dict);
    env.add_filter("ternary", ternary);
    env.add_filter("quote", |s: String| crate::connection::shell_words::quote(&s));
    env.add_filter("human_to_bytes", human_to_bytes);
    env.add_filter("split", split);
}

/// Ansible's `bool`: "yes", "on", "1", "true" are true; anything else is false.
fn to_bool(value: Value) -> bool {
    match value.kind() {
        ValueKind::String => {
            matches!(
                value.as_str().unwrap_or_default().trim().to_ascii_lowercase().as_str(),
                "yes" | "on" | "1" | "true" | "y" | "t"
            )
        }
        ValueKind::Number => value.as_i64() == Some(1),
        _ => value.is_true(),
    }
}

fn mandatory(value: Value, msg: Option<String>) -> Result<Value, Error> {
    if value.is_undefined() {
        return Err(Error::new(
            ErrorKind::UndefinedError,
            msg.unwrap_or_else(|| "mandatory variable not defined".into()),
        ));
    }
    Ok(value)
}

/// `to_json` and `to_nice_json`: Python's `json.dumps` with `indent` and `sort_keys` as given.
fn json(
    value: &Value,
    kwargs: Kwargs,
    indent: Option<usize>,
    sort_keys: bool,
) -> Result<String, Error> {
    let indent = kwargs.get::<Option<usize>>("indent")?.or(indent);
    let sort_keys = kwargs.get::<Option<bool>>("sort_keys")?.unwrap_or(sort_keys);
    kwargs.assert_all_used()?;
    Ok(python_json::dumps(&to_json_value(value)?, indent, sort_keys))
}

fn to_json_value(value: &Value) -> Result<serde_json::Value, Error> {
    serde_json::to_value(value).map_err(|e| invalid(e.to_string()))
}

fn from_json(text: String) -> Result<Value, Error> {
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| invalid(format!("from_json: {e}")))?;
    Ok(Value::from(minijinja::value::Serde(json)))
}

/// `to_yaml` and `to_nice_yaml`: PyYAML's `yaml.dump` with `indent`, `width`,
/// `default_flow_style` and `sort_keys` as given.
fn yaml(value: &Value, kwargs: Kwargs, layout: Layout) -> Result<String, Error> {
    let mut layout = layout;
    layout.indent = kwargs.get::<Option<usize>>("indent")?.unwrap_or(layout.indent);
    layout.width = kwargs.get::<Option<usize>>("width")?.unwrap_or(layout.width);
    layout.sort_keys = kwargs.get::<Option<bool>>("sort_keys")?.unwrap_or(layout.sort_keys);
    if let Some(flow) = kwargs.get::<Option<Value>>("default_flow_style")? {
        // `None` writes leaf collections in flow style, `False` none; `True` (every one in
        // flow) is not written by PyYAML's own filters and is refused here.
        layout.flow_leaves = match flow.kind() {
            ValueKind::None | ValueKind::Undefined => true,
            _ if !flow.is_true() => false,
            _ => return Err(invalid("to_yaml: default_flow_style=True is not supported")),
        };
    }
    kwargs.assert_all_used()?;
    Ok(python_yaml::dump(&to_json_value(value)?, layout))
}

fn from_yaml(text: String) -> Result<Value, Error> {
    let node = crate::yaml::load_str(crate::diag::Source::new("<from_yaml>", text))
        .map_err(|e| invalid(format!("from_yaml: {e}")))?;
    Ok(super::convert::node_to_value(&node))
}

fn build_regex(pattern: &str, kwargs: &Kwargs) -> Result<Regex, Error> {
    let ignorecase = kwargs.get::<Option<bool>>("ignorecase")?.unwrap_or(false);
    let multiline = kwargs.get::<Option<bool>>("multiline")?.unwrap_or(false);
    regex::RegexBuilder::new(pattern)
        .case_insensitive(ignorecase)
        .multi_line(multiline)
        .build()
        .map_err(|e| invalid(format!("bad regular expression: {e}")))
}

fn regex_replace(
    value: String,
    pattern: String,
    replacement: Option<String>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let re = build_regex(&pattern, &kwargs)?;
    kwargs.assert_all_used()?;
    Ok(re
        .replace_all(&value, python_replacement(&replacement.unwrap_or_default()).as_str())
        .into_owned())
}

fn regex_search(
    value: String,
    pattern: String,
    groups: Rest<String>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let re = build_regex(&pattern, &kwargs)?;
    kwargs.assert_all_used()?;
    let Some(caps) = re.captures(&value) else { return Ok(Value::from(())) };
    if groups.is_empty() {
        return Ok(Value::from(caps.get(0).map_or("", |m| m.as_str())));
    }
    let picked: Vec<Value> = groups
        .iter()
        .map(|g| {
            let m = match g.strip_prefix("\\g<").and_then(|g| g.strip_suffix('>')) {
                Some(name) => caps.name(name),
                None => g.trim_start_matches('\\').parse::<usize>().ok().and_then(|i| caps.get(i)),
            };
            m.map_or(Value::from(()), |m| Value::from(m.as_str()))
        })
        .collect();
    Ok(Value::from(picked))
}

fn regex_findall(value: String, pattern: String, kwargs: Kwargs) -> Result<Value, Error> {
    let re = build_regex(&pattern, &kwargs)?;
    kwargs.assert_all_used()?;
    Ok(re
        .captures_iter(&value)
        .map(|c| match c.len() {
            1 => Value::from(c.get(0).map_or("", |m| m.as_str())),
            2 => Value::from(c.get(1).map_or("", |m| m.as_str())),
            _ => Value::from(
                c.iter()
                    .skip(1)
                    .map(|m| m.map_or("", |m| m.as_str()).to_string())
                    .collect::<Vec<_>>(),
            ),
        })
        .collect::<Vec<_>>()
        .into())
}

fn b64decode(value: String) -> Result<String, Error> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .map_err(|e| invalid(format!("b64decode: {e}")))?;
    String::from_utf8(bytes).map_err(|_| invalid("b64decode: the decoded bytes are not UTF-8 text"))
}

fn map_entries(value: &Value) -> Result<Vec<(Value, Value)>, Error> {
    if value.kind() != ValueKind::Map {
        return Err(invalid(format!("expected a mapping, got {}", value.kind())));
    }
    value.try_iter()?.map(|k| Ok((k.clone(), value.get_item(&k)?))).collect()
}

fn combine(base: Value, others: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let recursive = kwargs.get::<Option<bool>>("recursive")?.unwrap_or(false);
    kwargs.assert_all_used()?;
    let mut result = base;
    for other in others.iter() {
        result = merge(&result, other, recursive)?;
    }
    Ok(result)
}

fn merge(a: &Value, b: &Value, recursive: bool) -> Result<Value, Error> {
    let mut merged: Vec<(Value, Value)> = map_entries(a)?;
    for (k, v) in map_entries(b)? {
        match merged.iter_mut().find(|(existing, _)| *existing == k) {
            Some((_, old))
                if recursive && old.kind() == ValueKind::Map && v.kind() == ValueKind::Map =>
            {
                *old = merge(old, &v, true)?
            }
            Some((_, old)) => *old = v,
            None => merged.push((k, v)),
        }
    }
    Ok(Value::from_pairs(merged))
}

fn dict2items(value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    let key_name = kwargs.get::<Option<String>>("key_name")?.unwrap_or_else(|| "key".into());
    let value_name = kwargs.get::<Option<String>>("value_name")?.unwrap_or_else(|| "value".into());
    kwargs.assert_all_used()?;
    Ok(map_entries(&value)?
        .into_iter()
        .map(|(k, v)| Value::from_pairs([(key_name.clone(), k), (value_name.clone(), v)]))
        .collect::<Vec<_>>()
        .into())
}

fn items2dict(value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    let key_name = kwargs.get::<Option<String>>("key_name")?.unwrap_or_else(|| "key".into());
    let value_name = kwargs.get::<Option<String>>("value_name")?.unwrap_or_else(|| "value".into());
    kwargs.assert_all_used()?;
    let pairs: Result<Vec<(Value, Value)>, Error> = value
        .try_iter()?
        .map(|item| Ok((item.get_attr(&key_name)?, item.get_attr(&value_name)?)))
        .collect();
    Ok(Value::from_pairs(pairs?))
}

fn ternary(condition: Value, if_true: Value, if_false: Value, if_none: Option<Value>) -> Value {
    match (condition.is_none(), if_none) {
        (true, Some(none)) => none,
        _ if condition.is_true() => if_true,
        _ => if_false,
    }
}

/// Ansible's `human_to_bytes`: a number with an optional unit (`2G`, `1.5 KB`, `10Mb` with
/// `isbits`), rounded half to even as Python rounds; a unit of two letters or more must be the
/// unit's abbreviation or its name (`KB` or `kilobyte`; `Kb` or `kilobit` with `isbits`).
fn human_to_bytes(
    value: Value,
    default_unit: Option<String>,
    kwargs: Kwargs,
) -> Result<i64, Error> {
    static SIZE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^([0-9]*\.?[0-9]+)(?:\s*([A-Za-z]+))?\s*$").unwrap());
    let default_unit = default_unit.or(kwargs.get::<Option<String>>("default_unit")?);
    let isbits = kwargs.get::<Option<bool>>("isbits")?.unwrap_or(false);
    kwargs.assert_all_used()?;
    let text = value.to_string();
    let fail = || invalid(format!("human_to_bytes() can't interpret the input: {text}"));
    let caps = SIZE.captures(&text).ok_or_else(fail)?;
    let number: f64 = caps[1].parse().map_err(|_| fail())?;
    let Some(unit) = caps.get(2).map(|m| m.as_str().to_string()).or(default_unit) else {
        return Ok(number.round_ties_even() as i64);
    };
    let range = unit.chars().next().unwrap_or_default().to_ascii_uppercase();
    let power = "BKMGTPEZY".find(range).ok_or_else(fail)?;
    if unit.chars().count() > 1 {
        let names = ["byte", "kilo", "mega", "giga", "tera", "peta", "exa", "zeta", "yotta"];
        let (class, word) = if isbits { ('b', "bit") } else { ('B', "byte") };
        let name = match power {
            0 => word.to_string(),
            _ => format!("{}{word}", names[power]),
        };
        let abbreviation = format!("{range}{class}");
        if unit.to_lowercase() != name && unit != abbreviation {
            return Err(fail());
        }
    }
    Ok((number * 1024f64.powi(power as i32)).round_ties_even() as i64)
}

fn split(value: String, separator: Option<String>) -> Vec<String> {
    match separator {
        Some(sep) => value.split(sep.as_str()).map(str::to_string).collect(),
        None => value.split_whitespace().map(str::to_string).collect(),
    }
}
