//! What a template binds, by name and kind, as `affiche fields` lists it.

/// One binding of a template, as `affiche fields` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldInfo {
    pub name: String,
    pub kind: FieldKind,
    /// Variants that have it.
    pub variants: Vec<String>,
}

/// What binds a field in a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A text slot: a `<text>` with a `<field>-box` rect, or a text frame.
    Text,
    /// A photo slot: an `<image>`.
    Photo,
    /// A `{{field}}` placeholder in an attribute or text.
    Placeholder,
}

impl std::fmt::Display for FieldKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            FieldKind::Text => "text",
            FieldKind::Photo => "photo",
            FieldKind::Placeholder => "placeholder",
        })
    }
}

/// A named element that could be a slot but that nothing binds: it is drawn as in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Unbound {
    pub name: String,
    /// [`FieldKind::Text`] or [`FieldKind::Photo`].
    pub kind: FieldKind,
    /// Variants that have it.
    pub variants: Vec<String>,
    /// What makes it a slot: `add a column "Bitmap" to fill it`.
    pub advice: String,
}
