//! A small block-style YAML writer for `to_yaml`/`to_nice_yaml`.

use serde_json::Value;

/// A value as YAML text (`to_yaml`, `to_nice_yaml`).
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, 0, &mut out);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn write_value(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                out.push_str(&" ".repeat(indent));
                out.push_str("- ");
                write_nested(item, indent + 2, out);
            }
        }
        Value::Object(map) if !map.is_empty() => {
            for (key, item) in map {
                out.push_str(&" ".repeat(indent));
                out.push_str(&scalar(&Value::String(key.clone())));
                out.push(':');
                match item {
                    Value::Array(a) if !a.is_empty() => {
                        out.push('\n');
                        write_value(item, indent, out);
                    }
                    Value::Object(m) if !m.is_empty() => {
                        out.push('\n');
                        write_value(item, indent + 2, out);
                    }
                    _ => {
                        out.push(' ');
                        out.push_str(&scalar(item));
                        out.push('\n');
                    }
                }
            }
        }
        _ => {
            out.push_str(&scalar(value));
            out.push('\n');
        }
    }
}

/// A collection after `- `: its first line continues the dash's line.
fn write_nested(value: &Value, indent: usize, out: &mut String) {
    let mut inner = String::new();
    write_value(value, indent, &mut inner);
    out.push_str(inner.trim_start_matches(' '));
}

fn scalar(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote_if_needed(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

/// Plain when YAML would read it back as the same string, else single-quoted.
fn quote_if_needed(s: &str) -> String {
    let reserved = matches!(
        s.to_ascii_lowercase().as_str(),
        "" | "~" | "null" | "yes" | "no" | "true" | "false" | "on" | "off" | "y" | "n"
    );
    let looks_numeric = s.parse::<f64>().is_ok() || s.starts_with("0x") || s.starts_with('.');
    let special = s.starts_with([
        ' ', '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%',
        '@', '`',
    ]) || s.ends_with(' ')
        || s.contains(": ")
        || s.contains(" #");
    if s.chars().any(char::is_control) {
        // JSON's escaped string is a valid YAML double-quoted scalar.
        return serde_json::to_string(s).expect("strings serialize");
    }
    if reserved || looks_numeric || special {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        s.to_string()
    }
}
