//! JSON: an array of flat objects, keys in file order.

use std::collections::BTreeMap;
use std::path::Path;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

use super::{Row, Table, clean, data_err, decode, err};
use crate::error::Result;

/// Parses a JSON array of flat objects.
pub fn parse_json(bytes: &[u8], path: &Path) -> Result<Table> {
    let (text, encoding) = decode(bytes, path)?;
    let invalid = |e: serde_json::Error| err(path, format!("is not valid JSON: {e}"));
    let top: Value = serde_json::from_str(&text).map_err(invalid)?;
    let Value::Array(items) = top else {
        let shape = "a JSON array of objects, one per poster: [{\"name\": \"...\"}, ...]";
        return Err(err(path, format!("must be {shape}, not {}", kind(&top))));
    };
    if let Some(i) = items.iter().position(|item| !item.is_object()) {
        let message = format!("must be an object, not {}", kind(&items[i]));
        return Err(data_err(path, Some(i + 1), None, message));
    }
    // serde_json's Map sorts keys (no `preserve_order`), so read them again in file order.
    let key_lists: Vec<KeyOrder> = serde_json::from_str(&text).map_err(invalid)?;

    let (mut columns, mut rows, mut warnings) = (Vec::new(), Vec::new(), Vec::new());
    for (i, (item, keys)) in items.iter().zip(key_lists).enumerate() {
        let number = i + 1;
        let mut values = BTreeMap::new();
        for key in keys.0 {
            let name = key.trim().to_string();
            if name.is_empty() {
                let message = "has an empty key; name every field".into();
                return Err(data_err(path, Some(number), None, message));
            }
            let raw = match &item[key.as_str()] {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                nested => {
                    let allowed = "a value must be text, a number, true/false or null";
                    let message = format!("is {}; {allowed}", kind(nested));
                    return Err(data_err(path, Some(number), Some(&name), message));
                }
            };
            let value = clean(&raw, number, &name, &mut warnings);
            if values.insert(name.clone(), value).is_some() {
                let message = "appears twice in this object; remove one".into();
                return Err(data_err(path, Some(number), Some(&name), message));
            }
            if !columns.contains(&name) {
                columns.push(name);
            }
        }
        rows.push(Row { number, values });
    }
    // Every row gets every column, as with CSV.
    for row in &mut rows {
        for col in &columns {
            row.values.entry(col.clone()).or_default();
        }
    }
    let path = path.to_path_buf();
    Ok(Table {
        path,
        columns,
        rows,
        encoding,
        warnings,
    })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The keys of one JSON object, in file order (values skipped).
struct KeyOrder(Vec<String>);

impl<'de> Deserialize<'de> for KeyOrder {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_map(KeyOrderVisitor)
    }
}

struct KeyOrderVisitor;

impl<'de> Visitor<'de> for KeyOrderVisitor {
    type Value = KeyOrder;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<KeyOrder, A::Error> {
        let mut keys = Vec::new();
        while let Some((key, IgnoredAny)) = map.next_entry()? {
            keys.push(key);
        }
        Ok(KeyOrder(keys))
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::data_error;

    fn json(text: &str) -> Result<Table> {
        parse_json(text.as_bytes(), Path::new("d.json"))
    }

    #[test]
    fn reads_json_values_as_text() {
        let t = json(r#"[{"z": "Zoé", "n": 4, "f": 1.5, "b": true, "x": null}, {"a": " new ", "z": "Y"}]"#).unwrap();
        assert_eq!(t.columns, ["z", "n", "f", "b", "x", "a"]);
        let first = &t.rows[0];
        assert_eq!(
            (first.get("n"), first.get("f"), first.get("b")),
            (Some("4"), Some("1.5"), Some("true"))
        );
        assert_eq!((first.get("x"), first.get("a")), (Some(""), Some("")));
        assert_eq!(
            (t.rows[1].number, t.rows[1].get("a"), t.rows[1].get("n")),
            (2, Some("new"), Some(""))
        );
        assert_eq!(t.encoding, "UTF-8");
    }

    #[test]
    fn json_values_are_cleaned() {
        let t = json("[{\"a\": \"x\\u202ey\"}]").unwrap();
        assert_eq!(t.rows[0].get("a"), Some("xy"));
        assert_eq!(t.warnings[0].message, "removed U+202E RIGHT-TO-LEFT OVERRIDE");
    }

    #[test]
    fn json_shape_errors() {
        let (row, column, message) = data_error(json(r#"[{"a": 1}, {"a": 2, "b": [1]}]"#));
        assert_eq!((row, column.as_deref()), (Some(2), Some("b")));
        assert!(message.contains("array"), "{message}");
        let (row, column, _) = data_error(json(r#"[{"a": {"b": 1}}]"#));
        assert_eq!((row, column.as_deref()), (Some(1), Some("a")));
        let (row, _, message) = data_error(json(r#"{"a": 1}"#));
        assert_eq!(row, None);
        assert!(
            message.contains("array of objects") && message.contains("an object"),
            "{message}"
        );
        let (row, _, message) = data_error(json(r#"[{"a": 1}, "b"]"#));
        assert_eq!(row, Some(2));
        assert!(message.contains("a string"), "{message}");
        let (row, column, _) = data_error(json(r#"[{"a": 1, "a": 2}]"#));
        assert_eq!((row, column.as_deref()), (Some(1), Some("a")));
        let (_, _, message) = data_error(json("[{\"a\": 1,}]"));
        assert!(message.contains("not valid JSON"), "{message}");
    }
}
