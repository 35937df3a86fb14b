//! The logical structure of a laid-out document, for tagged PDF (PDF/UA-1, PDF/A-3a): what
//! each piece of text, picture and link *is* (a heading, a paragraph, a table cell, a figure)
//! and in which order a screen reader reads it. The layout records it as it draws
//! ([`super::layout::Flow`]); the renderer turns it into krilla's tag tree. What the layout
//! draws outside any element (rules, table shading, repeated table headers, the footer) is
//! an artifact, skipped by assistive technology.

/// What an element is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// A heading, level 1 to 3, with its text.
    Heading(u8, String),
    Paragraph,
    Table,
    Row,
    /// A header cell: of its column (`true`) or of its row (a label in a form).
    HeaderCell {
        column: bool,
    },
    Cell,
    /// A picture, with the text that replaces it for someone who cannot see it.
    Figure(String),
    /// A link to somewhere else in the document; `alt` says where.
    Link {
        alt: String,
    },
    TableOfContents,
    TableOfContentsItem,
}

/// A child of an element, in reading order: another element, or something drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Child {
    Element(usize),
    /// The op at this index of this page's display list.
    Drawn {
        page: usize,
        op: usize,
    },
}

#[derive(Debug, Clone)]
pub struct Element {
    pub role: Role,
    /// The language of its text when it differs from the document's (BCP 47).
    pub lang: Option<&'static str>,
    pub children: Vec<Child>,
}

/// The structure: elements by index, and the top-level ones in reading order.
#[derive(Debug, Clone, Default)]
pub struct Structure {
    pub elements: Vec<Element>,
    pub roots: Vec<usize>,
}

impl Structure {
    /// A new element inside `parent` (or at the top), after its earlier children.
    pub fn open(&mut self, role: Role, parent: Option<usize>) -> usize {
        let id = self.elements.len();
        self.elements.push(Element {
            role,
            lang: None,
            children: Vec::new(),
        });
        match parent {
            Some(p) => self.elements[p].children.push(Child::Element(id)),
            None => self.roots.push(id),
        }
        id
    }

    /// Every drawn op inside some element, and that element: the rest are artifacts.
    pub fn owners(&self) -> std::collections::HashMap<(usize, usize), usize> {
        let mut out = std::collections::HashMap::new();
        for (id, e) in self.elements.iter().enumerate() {
            for c in &e.children {
                if let Child::Drawn { page, op } = *c {
                    out.insert((page, op), id);
                }
            }
        }
        out
    }
}

/// The language of `text` when a reader must switch to it from `document` (a BCP 47 tag):
/// Cyrillic in a document in a Latin-script language is Kazakh if it has letters only Kazakh
/// uses, else Russian. Latin text in a Russian document is left to the document's language:
/// its language cannot be told from its letters alone (English, French, Spanish…).
pub fn span_lang(text: &str, document: &str) -> Option<&'static str> {
    let (mut cyrillic, mut latin, mut kazakh) = (0usize, 0usize, false);
    for c in text.chars() {
        match c {
            'ә' | 'ғ' | 'қ' | 'ң' | 'ө' | 'ұ' | 'ү' | 'һ' | 'і' | 'Ә' | 'Ғ' | 'Қ' | 'Ң' | 'Ө'
            | 'Ұ' | 'Ү' | 'Һ' | 'І' => {
                kazakh = true;
                cyrillic += 1;
            }
            '\u{0400}'..='\u{04FF}' => cyrillic += 1,
            c if c.is_ascii_alphabetic() || ('\u{00C0}'..='\u{024F}').contains(&c) => latin += 1,
            _ => {}
        }
    }
    let wanted = if cyrillic > latin {
        if kazakh { "kk" } else { "ru" }
    } else {
        return None;
    };
    (wanted != document).then_some(wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paragraph_in_another_script_carries_its_language() {
        assert_eq!(span_lang("Постановление суда", "en"), Some("ru"));
        assert_eq!(span_lang("Әйгерімнің мәлімдемесі", "fr"), Some("kk"));
        assert_eq!(
            span_lang("Постановление суда", "ru"),
            None,
            "the document's own"
        );
        assert_eq!(span_lang("Әйгерім", "ru"), Some("kk"));
        assert_eq!(span_lang("Decision of the court", "ru"), None);
        assert_eq!(span_lang("A3, p. 4 — 12.03.2031", "en"), None);
        assert_eq!(
            span_lang("Решение (Case No. 2-45/2031) суда по делу", "en"),
            Some("ru"),
            "mostly Cyrillic"
        );
    }

    #[test]
    fn every_drawn_op_has_one_owner() {
        let mut s = Structure::default();
        let table = s.open(Role::Table, None);
        let row = s.open(Role::Row, Some(table));
        let cell = s.open(Role::Cell, Some(row));
        s.elements[cell]
            .children
            .push(Child::Drawn { page: 0, op: 3 });
        let p = s.open(Role::Paragraph, None);
        s.elements[p].children.push(Child::Drawn { page: 1, op: 0 });
        assert_eq!(s.roots, vec![table, p]);
        let owners = s.owners();
        assert_eq!(owners.get(&(0, 3)), Some(&cell));
        assert_eq!(owners.get(&(1, 0)), Some(&p));
        assert_eq!(owners.len(), 2);
    }
}
