//! A loop's items: the value of `loop` (or of a `with_*` key) rendered for the host, then made
//! into items the way Ansible's lookup of that name makes them.

use std::path::PathBuf;
use std::sync::Arc;

use minijinja::Value;

use crate::diag::Diag;
use crate::model::task::LoopKind;
use crate::template::Scope;
use crate::yaml::Node;

/// The items of a step's loop; `search_dirs` are where `with_fileglob` looks (under `files/`).
pub(super) fn items(
    scope: &Arc<Scope>,
    kind: LoopKind,
    node: &Node,
    search_dirs: &[PathBuf],
) -> Result<Vec<Value>, Diag> {
    let value = scope.render_value(node)?;
    let wrong = |expected: &str| node.wrong_type(expected);
    Ok(match kind {
        LoopKind::List => list(&value).ok_or_else(|| wrong("a list to loop over"))?,
        LoopKind::Items => terms(&value)
            .into_iter()
            .flat_map(|item| list(&item).unwrap_or_else(|| vec![item]))
            .collect(),
        LoopKind::Dict => {
            let keys = (value.kind() == minijinja::value::ValueKind::Map)
                .then(|| value.try_iter().ok())
                .flatten()
                .ok_or_else(|| wrong("a mapping for `with_dict`"))?;
            keys.map(|key| {
                let entry = value.get_item(&key).unwrap_or_default();
                Value::from_pairs([("key", key), ("value", entry)])
            })
            .collect()
        }
        LoopKind::Together => {
            let lists =
                lists_of(&value).ok_or_else(|| wrong("a list of lists for `with_together`"))?;
            let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
            (0..longest)
                .map(|i| {
                    let row: Vec<Value> =
                        lists.iter().map(|l| l.get(i).cloned().unwrap_or_default()).collect();
                    Value::from(row)
                })
                .collect()
        }
        LoopKind::Nested => {
            let lists =
                lists_of(&value).ok_or_else(|| wrong("a list of lists for `with_nested`"))?;
            let mut rows: Vec<Vec<Value>> = vec![Vec::new()];
            for list in lists {
                rows = rows
                    .iter()
                    .flat_map(|row| {
                        list.iter().map(|item| {
                            let mut longer = row.clone();
                            longer.push(item.clone());
                            longer
                        })
                    })
                    .collect();
            }
            rows.into_iter().map(Value::from).collect()
        }
        LoopKind::Sequence => {
            let spec =
                value.as_str().ok_or_else(|| wrong("`with_sequence` arguments (start=1 end=5)"))?;
            sequence(spec).map_err(|why| Diag::invalid(&node.span, why.to_string()))?
        }
        LoopKind::Subelements => {
            subelements(&value).map_err(|why| Diag::invalid(&node.span, why.to_string()))?
        }
        LoopKind::Fileglob => {
            let mut found = Vec::new();
            for pattern in terms(&value) {
                let pattern = pattern.as_str().ok_or_else(|| wrong("file patterns"))?.to_string();
                found.extend(crate::template::fileglob(&pattern, search_dirs));
            }
            found.into_iter().map(|p| Value::from(p.display().to_string())).collect()
        }
    })
}

/// A list's items, or `None` for anything else: a string is not a list of its letters, nor a
/// mapping a list of its keys.
fn list(value: &Value) -> Option<Vec<Value>> {
    use minijinja::value::ValueKind;
    match value.kind() {
        ValueKind::Seq | ValueKind::Iterable => value.try_iter().ok().map(Iterator::collect),
        _ => None,
    }
}

/// A lookup's terms: a list's items, or the one value.
fn terms(value: &Value) -> Vec<Value> {
    list(value).unwrap_or_else(|| vec![value.clone()])
}

fn lists_of(value: &Value) -> Option<Vec<Vec<Value>>> {
    list(value)?.iter().map(|l| list(l).or_else(|| Some(vec![l.clone()]))).collect()
}

/// Why a `with_sequence` or `with_subelements` loop cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum LoopError {
    #[error("`{0}` in `with_sequence`: key=value")]
    NotKeyValue(String),
    #[error("`{key}={value}` in `with_sequence`: a number")]
    NotANumber { key: String, value: String },
    #[error("`{0}` in `with_sequence`: start, end, count, stride, format")]
    UnknownKey(String),
    #[error("`with_sequence` takes `end` or `count`, not both")]
    EndAndCount,
    #[error("`with_sequence` needs `end` or `count`")]
    NoEnd,
    #[error("`with_sequence`: a stride of 0 never ends")]
    ZeroStride,
    #[error("`format={0}` in `with_sequence`: one of %d, %x, %o, %s")]
    BadFormat(String),
    #[error("`with_subelements` takes [list, 'key']")]
    SubelementsShape,
    #[error("`with_subelements`: its first term is a list")]
    SubelementsNotAList,
    #[error("`with_subelements`: an element has no list `{0}`")]
    NoSublist(String),
}

/// `with_sequence`: `start=1 end=10 stride=2 format=web%02d`, or `count=` in place of `end`.
fn sequence(spec: &str) -> Result<Vec<Value>, LoopError> {
    let (mut start, mut end, mut count, mut stride, mut format) =
        (1i64, None::<i64>, None::<i64>, 1i64, "%d".to_string());
    for word in spec.split_whitespace() {
        let (key, value) =
            word.split_once('=').ok_or_else(|| LoopError::NotKeyValue(word.to_string()))?;
        let number = || {
            parse_number(value).ok_or_else(|| LoopError::NotANumber {
                key: key.to_string(),
                value: value.to_string(),
            })
        };
        match key {
            "start" => start = number()?,
            "end" => end = Some(number()?),
            "count" => count = Some(number()?),
            "stride" => stride = number()?,
            "format" => format = value.to_string(),
            _ => return Err(LoopError::UnknownKey(key.to_string())),
        }
    }
    let end = match (end, count) {
        (Some(_), Some(_)) => return Err(LoopError::EndAndCount),
        (Some(end), None) => end,
        (None, Some(count)) => start + (count - 1) * stride,
        (None, None) => return Err(LoopError::NoEnd),
    };
    if stride == 0 {
        return Err(LoopError::ZeroStride);
    }
    let format = Format::parse(&format)?;
    let mut items = Vec::new();
    let mut n = start;
    while (stride > 0 && n <= end) || (stride < 0 && n >= end) {
        items.push(Value::from(format.number(n)));
        n += stride;
    }
    Ok(items)
}

fn parse_number(text: &str) -> Option<i64> {
    match text.strip_prefix("0x") {
        Some(hex) => i64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// A printf format with one conversion: `%d`, `%x`, `%o`, `%s`, with a zero-padded width
/// (`%02d`); read once per loop.
struct Format {
    before: String,
    after: String,
    zero: bool,
    width: usize,
    conversion: char,
}

impl Format {
    fn parse(format: &str) -> Result<Format, LoopError> {
        let re = regex::Regex::new(r"%(0?)(\d*)([dixXos])").expect("a valid pattern");
        let Some(found) = re.captures(format) else {
            return Err(LoopError::BadFormat(format.to_string()));
        };
        let whole = found.get(0).expect("the match");
        Ok(Format {
            before: format[..whole.start()].to_string(),
            after: format[whole.end()..].to_string(),
            zero: &found[1] == "0",
            width: found[2].parse().unwrap_or(0),
            conversion: found[3].chars().next().unwrap_or('d'),
        })
    }

    fn number(&self, n: i64) -> String {
        let digits = match self.conversion {
            'x' => format!("{n:x}"),
            'X' => format!("{n:X}"),
            'o' => format!("{n:o}"),
            _ => n.to_string(),
        };
        let pad = if self.zero { "0" } else { " " }.repeat(self.width.saturating_sub(digits.len()));
        format!("{}{pad}{digits}{}", self.before, self.after)
    }
}

/// `with_subelements: [list, 'key']` (and `{skip_missing: true}`): `[element, item]` for each
/// item of each element's `key` list (a dotted key reaches inside).
fn subelements(value: &Value) -> Result<Vec<Value>, LoopError> {
    let terms = list(value).ok_or(LoopError::SubelementsShape)?;
    let (Some(outer), Some(key)) = (terms.first(), terms.get(1).and_then(|k| k.as_str())) else {
        return Err(LoopError::SubelementsShape);
    };
    let skip_missing = terms
        .get(2)
        .and_then(|flags| flags.get_attr("skip_missing").ok())
        .is_some_and(|v| v.is_true());
    let mut items = Vec::new();
    for element in list(outer).ok_or(LoopError::SubelementsNotAList)? {
        let mut inner = Some(element.clone());
        for part in key.split('.') {
            inner = inner.and_then(|v| v.get_attr(part).ok()).filter(|v| !v.is_undefined());
        }
        match inner.as_ref().and_then(list) {
            Some(inner) => {
                items.extend(inner.into_iter().map(|item| Value::from(vec![element.clone(), item])))
            }
            None if skip_missing => {}
            None => return Err(LoopError::NoSublist(key.to_string())),
        }
    }
    Ok(items)
}
