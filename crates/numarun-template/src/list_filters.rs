//! Ansible's filters over lists: `flatten`, the set filters, `subelements`, `zip_longest`,
//! `extract`. The set filters keep the order items first appear in (Ansible's follow Python's
//! set order, which no one can rely on).

use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Environment, Error};

use super::filter_error::invalid;

pub fn register(env: &mut Environment<'static>) {
    env.add_filter("flatten", flatten);
    env.add_filter("union", |a: Value, b: Value| set_op(&a, &b, |in_a, in_b| in_a || in_b));
    env.add_filter("intersect", |a: Value, b: Value| set_op(&a, &b, |in_a, in_b| in_a && in_b));
    env.add_filter("difference", |a: Value, b: Value| set_op(&a, &b, |in_a, in_b| in_a && !in_b));
    env.add_filter("symmetric_difference", |a: Value, b: Value| {
        set_op(&a, &b, |in_a, in_b| in_a != in_b)
    });
    env.add_filter("subelements", subelements);
    env.add_filter("zip_longest", zip_longest);
    env.add_filter("extract", extract);
}

fn items(value: &Value) -> Result<Vec<Value>, Error> {
    Ok(value.try_iter()?.collect())
}

/// Lists inside lists spread out, `levels` deep (all by default); nulls dropped unless
/// `skip_nulls=False`.
fn flatten(list: Value, levels: Option<i64>, kwargs: Kwargs) -> Result<Value, Error> {
    let levels = kwargs.get::<Option<i64>>("levels")?.or(levels);
    let skip_nulls = kwargs.get::<Option<bool>>("skip_nulls")?.unwrap_or(true);
    kwargs.assert_all_used()?;
    let mut out = Vec::new();
    spread(&list, levels, skip_nulls, &mut out)?;
    Ok(Value::from(out))
}

fn spread(
    list: &Value,
    levels: Option<i64>,
    skip_nulls: bool,
    out: &mut Vec<Value>,
) -> Result<(), Error> {
    for item in list.try_iter()? {
        let null = item.is_none() || matches!(item.as_str(), Some("None" | "null"));
        if skip_nulls && null {
            continue;
        }
        match (item.kind(), levels) {
            (ValueKind::Seq, None) => spread(&item, None, skip_nulls, out)?,
            (ValueKind::Seq, Some(n)) if n >= 1 => spread(&item, Some(n - 1), skip_nulls, out)?,
            _ => out.push(item),
        }
    }
    Ok(())
}

/// The distinct items of `a` then `b` that `keep(in a, in b)` wants.
fn set_op(a: &Value, b: &Value, keep: fn(bool, bool) -> bool) -> Result<Value, Error> {
    let (a, b) = (items(a)?, items(b)?);
    let mut out: Vec<Value> = Vec::new();
    for item in a.iter().chain(&b) {
        if !out.contains(item) && keep(a.contains(item), b.contains(item)) {
            out.push(item.clone());
        }
    }
    Ok(Value::from(out))
}

/// `users | subelements('keys')`: each element paired with each item of its list at the
/// (dotted) key; an element without one fails unless `skip_missing=True`.
fn subelements(
    obj: Value,
    key: Value,
    skip_missing: Option<bool>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let skip_missing =
        kwargs.get::<Option<bool>>("skip_missing")?.or(skip_missing).unwrap_or(false);
    kwargs.assert_all_used()?;
    let elements: Vec<Value> = match obj.kind() {
        ValueKind::Map => obj.try_iter()?.map(|k| obj.get_item(&k)).collect::<Result<_, _>>()?,
        ValueKind::Seq => items(&obj)?,
        _ => return Err(invalid("subelements: obj must be a list of dicts or a nested dict")),
    };
    let path: Vec<Value> = match key.kind() {
        ValueKind::Seq => items(&key)?,
        _ => key.to_string().split('.').map(Value::from).collect(),
    };
    let mut pairs = Vec::new();
    for element in elements {
        let mut values = element.clone();
        for step in &path {
            values = match values.get_item(step).ok().filter(|v| !v.is_undefined()) {
                Some(inner) => inner,
                None if skip_missing => Value::from(Vec::<Value>::new()),
                None => {
                    return Err(invalid(format!(
                        "subelements: could not find `{step}` in {element}"
                    )));
                }
            };
        }
        if values.kind() != ValueKind::Seq {
            return Err(invalid(format!(
                "subelements: the key `{key}` should point to a list, got {values}"
            )));
        }
        pairs.extend(values.try_iter()?.map(|v| Value::from(vec![element.clone(), v])));
    }
    Ok(Value::from(pairs))
}

/// Python's `itertools.zip_longest`: the longest list sets the length, `fillvalue` fills.
fn zip_longest(
    first: Value,
    others: minijinja::value::Rest<Value>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let fill = kwargs.get::<Option<Value>>("fillvalue")?.unwrap_or(Value::from(()));
    kwargs.assert_all_used()?;
    let lists: Vec<Vec<Value>> =
        std::iter::once(&first).chain(others.iter()).map(items).collect::<Result<_, _>>()?;
    let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
    Ok(Value::from(
        (0..longest)
            .map(|i| {
                Value::from(
                    lists
                        .iter()
                        .map(|l| l.get(i).cloned().unwrap_or_else(|| fill.clone()))
                        .collect::<Vec<_>>(),
                )
            })
            .collect::<Vec<_>>(),
    ))
}

/// `'web1' | extract(hostvars, 'ansible_host')`: the container's item at the key, then down
/// the further keys.
fn extract(key: Value, container: Value, morekeys: Option<Value>) -> Result<Value, Error> {
    let mut value = container.get_item(&key)?;
    let more = match morekeys {
        None => Vec::new(),
        Some(keys) if keys.kind() == ValueKind::Seq => items(&keys)?,
        Some(key) => vec![key],
    };
    for key in more {
        value = value.get_item(&key)?;
    }
    Ok(value)
}
