//! Where a name's lines may break, and how much a typographer dislikes each
//! break: never after a particle (`de`, `van`, `d’`), between first names and an
//! all-capitals surname by preference, inside a hyphenated name only when nothing
//! else fits. [`crate::text::fit`] sizes the breakings this module proposes.

/// A word and what joins it to the next word on the same line.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) text: String,
    joiner: &'static str,
    /// A break after this token splits a hyphenated name.
    hyphen: bool,
}

/// Words after which a line must not break: a particle belongs with the name it introduces.
const PARTICLES: &[&str] = &[
    "de", "du", "des", "le", "la", "les", "d'", "d’", "l'", "l’", "van", "von", "der", "den", "da", "di", "do", "dos",
    "das", "del", "della", "el", "al", "ben", "bin", "ibn", "ter", "ten", "mc", "y", "et",
];

fn is_particle(word: &str) -> bool {
    let w = word.to_lowercase();
    PARTICLES.contains(&w.as_str()) || w.ends_with('\'') || w.ends_with('’')
}

/// A word written all in capitals: the surname in French official lists.
fn is_caps(word: &str) -> bool {
    word.chars().any(char::is_alphabetic) && !word.chars().any(char::is_lowercase)
}

pub(crate) fn tokens(text: &str, split_hyphens: bool) -> Vec<Token> {
    let mut out = Vec::new();
    for word in text.split_whitespace() {
        if split_hyphens && word.contains('-') {
            let parts: Vec<&str> = word.split_inclusive('-').collect();
            for (i, p) in parts.iter().enumerate() {
                let last = i + 1 == parts.len();
                out.push(Token {
                    text: p.to_string(),
                    joiner: if last { " " } else { "" },
                    hyphen: !last,
                });
            }
        } else {
            out.push(Token {
                text: word.to_string(),
                joiner: " ",
                hyphen: false,
            });
        }
    }
    out
}

pub(crate) fn join(tokens: &[Token]) -> String {
    let mut s = String::new();
    for (i, t) in tokens.iter().enumerate() {
        s.push_str(&t.text);
        if i + 1 < tokens.len() {
            s.push_str(t.joiner);
        }
    }
    s
}

/// Every distinct line that some breaking of `text` could produce, for measuring
/// in one go.
pub fn candidate_lines(text: &str, max_lines: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for split in [false, true] {
        let toks = tokens(text, split);
        let n = toks.len();
        for a in 0..n {
            for b in a + 1..=n {
                // A line that is a whole breaking on its own needs at most one line.
                if max_lines == 1 && (a != 0 || b != n) {
                    continue;
                }
                lines.push(join(&toks[a..b]));
            }
        }
    }
    lines.sort();
    lines.dedup();
    lines
}

/// Breakings of `n` tokens into `k` lines, as the token index where each line starts.
pub(crate) fn breakings(n: usize, k: usize, f: &mut impl FnMut(&[usize])) {
    fn rec(start: usize, n: usize, left: usize, acc: &mut Vec<usize>, f: &mut impl FnMut(&[usize])) {
        if left == 0 {
            f(acc);
            return;
        }
        for s in start + 1..=n - left {
            acc.push(s);
            rec(s, n, left - 1, acc, f);
            acc.pop();
        }
    }
    let mut acc = vec![0];
    rec(0, n, k - 1, &mut acc, f);
}

/// How much a typographer dislikes a break before token `at`: 1.0 is neutral.
pub(crate) fn break_penalty(toks: &[Token], at: usize) -> f32 {
    let before = &toks[at - 1];
    let mut p = 1.0;
    if is_particle(&before.text) {
        p *= 0.7;
    }
    if before.hyphen {
        p *= 0.6;
    }
    // Punctuation marks a phrase boundary: `… de France | (11e circonscription)`.
    if toks[at].text.starts_with('(') || before.text.ends_with([',', ';', ':']) {
        p *= 1.02;
    }
    // Between first names and an all-capitals surname is the natural break.
    // The surname starts at its particles: `Marie-Christine | de LA TOUR`.
    let surname_start = toks[at..]
        .iter()
        .find(|t| !is_particle(&t.text))
        .is_some_and(|t| is_caps(&t.text));
    let caps_boundary = !is_caps(&before.text) && !is_particle(&before.text) && surname_start;
    if toks.iter().any(|t| is_caps(&t.text)) && !toks.iter().all(|t| is_caps(&t.text)) && !caps_boundary {
        p *= 0.93;
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_lines_cover_every_breaking() {
        let c = candidate_lines("a b c", 2);
        for s in ["a", "b", "c", "a b", "b c", "a b c"] {
            assert!(c.contains(&s.to_string()), "{s}");
        }
        assert_eq!(candidate_lines("a b c", 1), ["a b c"]);
    }

    #[test]
    fn a_break_after_a_particle_costs_more_than_one_before_the_surname() {
        let toks = tokens("Marie de LA TOUR", false);
        let (after_first, after_particle) = (break_penalty(&toks, 1), break_penalty(&toks, 2));
        assert_eq!(after_first, 1.0, "first names | de LA TOUR is the natural break");
        assert!(after_particle < after_first * 0.8, "{after_particle}");
        // Inside the surname is neither a particle nor the caps boundary.
        assert!(break_penalty(&toks, 3) < 1.0);
    }

    #[test]
    fn hyphenated_names_split_only_when_asked() {
        let whole = tokens("Jean-Baptiste ROY", false);
        let split = tokens("Jean-Baptiste ROY", true);
        assert_eq!(whole.len(), 2);
        assert_eq!(split.len(), 3);
        assert_eq!(join(&split), "Jean-Baptiste ROY");
        assert!(break_penalty(&split, 1) < break_penalty(&split, 2));
    }

    #[test]
    fn breakings_list_every_way_into_k_lines() {
        let mut seen = Vec::new();
        breakings(4, 2, &mut |s| seen.push(s.to_vec()));
        assert_eq!(seen, [vec![0, 1], vec![0, 2], vec![0, 3]]);
        let mut n = 0;
        breakings(5, 3, &mut |_| n += 1);
        assert_eq!(n, 6, "C(4, 2) ways to place 2 breaks among 4 gaps");
    }
}
