//! Field patterns: `{column}` references filled from a data row, as in a
//! campaign's `[fields]` (`name = "{prenom} {nom}"`).

use crate::data::Row;

/// Fills `{column}` references in `pattern` from the row. `{{` and `}}` are literal braces.
/// Unknown column -> Err(column name). Unclosed `{` -> Err with the rest of the pattern.
pub fn interpolate(pattern: &str, row: &Row) -> std::result::Result<String, String> {
    let (pieces, unclosed) = pieces(pattern);
    let mut out = String::with_capacity(pattern.len());
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Column(c) => out.push_str(row.get(c).ok_or_else(|| c.to_string())?),
        }
    }
    match unclosed {
        Some(rest) => Err(rest.to_string()),
        None => Ok(out),
    }
}

/// Column names referenced by a pattern (for `check` to report missing columns up front).
/// Each name once, in order of first use; an unclosed `{` contributes nothing.
pub fn pattern_columns(pattern: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for piece in pieces(pattern).0 {
        if let Piece::Column(c) = piece
            && !names.iter().any(|n| n == c)
        {
            names.push(c.to_string());
        }
    }
    names
}

enum Piece<'a> {
    Text(&'a str),
    Column(&'a str),
}

/// Splits a pattern into text and column references; the second value is the
/// rest of the pattern from an unclosed `{`, if any.
fn pieces(pattern: &str) -> (Vec<Piece<'_>>, Option<&str>) {
    let mut out = Vec::new();
    let mut rest = pattern;
    while let Some(i) = rest.find(['{', '}']) {
        let (before, at) = rest.split_at(i);
        if !before.is_empty() {
            out.push(Piece::Text(before));
        }
        if at.starts_with("{{") || at.starts_with("}}") {
            out.push(Piece::Text(&at[..1]));
            rest = &at[2..];
        } else if let Some(after) = at.strip_prefix('}') {
            // A lone `}` cannot start anything: keep it rather than fail.
            out.push(Piece::Text("}"));
            rest = after;
        } else if let Some(j) = at.find('}') {
            out.push(Piece::Column(at[1..j].trim()));
            rest = &at[j + 1..];
        } else {
            return (out, Some(at));
        }
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    (out, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, &str)]) -> Row {
        let values = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Row { number: 1, values }
    }

    #[test]
    fn interpolates_columns_and_braces() {
        let r = row(&[("nom", "Hélène"), ("ville", "Lyon")]);
        assert_eq!(interpolate("{nom} ({ ville })", &r), Ok("Hélène (Lyon)".into()));
        assert_eq!(interpolate("{{nom}} }} {", &r), Err("{".into()));
        assert_eq!(interpolate("{{nom}} }}", &r), Ok("{nom} }".into()));
        assert_eq!(interpolate("photos/{id}.jpg", &r), Err("id".into()));
        assert_eq!(interpolate("{nom} {ville", &r), Err("{ville".into()));
        assert_eq!(interpolate("no braces", &r), Ok("no braces".into()));
    }

    #[test]
    fn lists_pattern_columns() {
        assert_eq!(pattern_columns("{a}-{b}/{a}{{c}} {d"), ["a", "b"]);
        assert!(pattern_columns("plain").is_empty());
    }
}
