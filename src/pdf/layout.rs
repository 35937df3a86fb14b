//! A small page-flow engine: the composer pours headings, paragraphs, tables and pictures in,
//! and gets a display list per A4 page. Nothing is drawn until the whole document is laid
//! out, so the footer can say "page n of m" and the table of contents can print the pages of
//! sections that come after it. Text is measured and wrapped by [`super::text`]. As it draws,
//! the flow records what each thing is ([`super::structure`]) for the tagged PDF.

use super::structure::{Child, Role, Structure, span_lang};
pub(crate) use super::text::measured_runs;
pub use super::text::{Face, fit, width, wrap};
use super::text::{advance, line_height, runs};

pub const PAGE_W: f32 = 595.0;
pub const PAGE_H: f32 = 842.0;
pub const MARGIN_X: f32 = 56.0;
pub const TOP: f32 = 64.0;
pub const BOTTOM: f32 = PAGE_H - 64.0;
pub const WIDTH: f32 = PAGE_W - 2.0 * MARGIN_X;

pub type Rgb = (u8, u8, u8);
pub const BLACK: Rgb = (0, 0, 0);
pub const GREY: Rgb = (90, 90, 90);
pub const ACCENT: Rgb = (20, 50, 110);
pub const WARN: Rgb = (150, 30, 30);

/// One thing to draw. Coordinates are points from the page's top-left; text `y` is the
/// baseline.
#[derive(Debug, Clone)]
pub enum Op {
    Text {
        x: f32,
        y: f32,
        face: Face,
        size: f32,
        color: Rgb,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Rgb,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        color: Rgb,
    },
    Image {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        image: usize,
    },
    /// A clickable area that jumps to an anchor.
    Link {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        anchor: usize,
    },
    /// The page number of an anchor, right-aligned at `x` (known only once all is laid out).
    PageOf {
        x: f32,
        y: f32,
        size: f32,
        anchor: usize,
    },
}

/// A table cell: text in a face, optionally a link to an anchor.
#[derive(Debug, Clone)]
pub struct Cell {
    pub text: String,
    pub face: Face,
    pub color: Rgb,
    pub link: Option<usize>,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            face: Face::Regular,
            color: BLACK,
            link: None,
        }
    }
    pub fn mono(text: impl Into<String>) -> Cell {
        Cell {
            face: Face::Mono,
            ..Cell::new(text)
        }
    }
    pub fn warn(text: impl Into<String>) -> Cell {
        Cell {
            color: WARN,
            ..Cell::new(text)
        }
    }
    pub fn link(mut self, anchor: usize) -> Cell {
        self.link = Some(anchor);
        self.color = ACCENT;
        self
    }
}

/// An outline (bookmark) entry.
#[derive(Debug, Clone)]
pub struct Bookmark {
    pub level: u8,
    pub title: String,
    pub anchor: usize,
}

/// The laid-out document.
#[derive(Default)]
pub struct Flow {
    pub pages: Vec<Vec<Op>>,
    /// (page index, y) of each anchor once placed.
    pub anchors: Vec<Option<(usize, f32)>>,
    pub bookmarks: Vec<Bookmark>,
    /// JPEG bytes of the pictures, drawn by index.
    pub images: Vec<Vec<u8>>,
    /// Characters no embedded font has (drawn as `?`).
    pub missing_glyphs: usize,
    /// What each drawn thing is, for tagged PDF.
    pub structure: Structure,
    /// The document's language (BCP 47): text in another script is tagged with its own.
    pub lang: String,
    y: f32,
    /// The element being drawn into; `None`: an artifact.
    current: Option<usize>,
    /// The table of contents being written, if the last thing drawn was one of its lines.
    toc: Option<usize>,
}

impl Flow {
    pub fn new() -> Flow {
        let mut f = Flow {
            lang: "en".into(),
            ..Flow::default()
        };
        f.new_page();
        f
    }

    /// Draws `f` into a new element (inside the current one) and returns the element.
    fn within(&mut self, role: Role, f: impl FnOnce(&mut Flow)) -> usize {
        let id = self.structure.open(role, self.current);
        let outer = self.current.replace(id);
        f(self);
        self.current = outer;
        id
    }

    /// Tags element `id` with the language of `text`, if it differs from the document's.
    fn lang_of(&mut self, id: usize, text: &str) {
        self.structure.elements[id].lang = span_lang(text, &self.lang);
    }

    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    pub fn page_index(&self) -> usize {
        self.pages.len() - 1
    }

    pub fn y(&self) -> f32 {
        self.y
    }

    fn push(&mut self, op: Op) {
        let drawn = !matches!(op, Op::Rect { .. } | Op::Line { .. });
        let page = self.pages.len() - 1;
        let ops = self.pages.last_mut().expect("a page exists");
        ops.push(op);
        // Rules and shading are never content; text, pictures and links are, inside an element.
        if let (true, Some(e)) = (drawn, self.current) {
            let at = Child::Drawn {
                page,
                op: ops.len() - 1,
            };
            self.structure.elements[e].children.push(at);
        }
    }

    /// A filled rectangle at (x, top y) on the current page.
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
        self.push(Op::Rect { x, y, w, h, color });
    }

    /// Starts a new page unless `h` more points fit on this one.
    pub fn ensure(&mut self, h: f32) {
        if self.y + h > BOTTOM && self.y > TOP {
            self.new_page();
        }
    }

    pub fn space(&mut self, h: f32) {
        self.y += h;
    }

    pub fn new_anchor(&mut self) -> usize {
        self.anchors.push(None);
        self.anchors.len() - 1
    }

    /// Marks where an anchor points: here.
    pub fn place(&mut self, anchor: usize) {
        self.anchors[anchor] = Some((self.page_index(), (self.y - 8.0).max(0.0)));
    }

    /// Draws one line of text at (x, baseline y), splitting it into font runs. Returns its width.
    pub fn text_at(
        &mut self,
        x: f32,
        y: f32,
        face: Face,
        size: f32,
        color: Rgb,
        text: &str,
    ) -> f32 {
        let mut cursor = x;
        for (f, s) in runs(face, text, &mut self.missing_glyphs) {
            let w = advance(f, size, &s);
            self.push(Op::Text {
                x: cursor,
                y,
                face: f,
                size,
                color,
                text: s,
            });
            cursor += w;
        }
        cursor - x
    }

    /// A heading with a bookmark; level 1 starts a new page when `new_page`.
    pub fn heading(
        &mut self,
        level: u8,
        title: &str,
        anchor: Option<usize>,
        new_page: bool,
    ) -> usize {
        let anchor = anchor.unwrap_or_else(|| self.new_anchor());
        let size = match level {
            1 => 16.0,
            2 => 12.5,
            _ => 11.0,
        };
        if new_page && self.y > TOP {
            self.new_page();
        }
        self.ensure(line_height(size) * 2.0 + 30.0);
        if self.y > TOP {
            self.space(if level == 1 { 14.0 } else { 8.0 });
        }
        self.place(anchor);
        self.toc = None;
        let h = self.within(
            Role::Heading(level.clamp(1, 6), title.to_string()),
            |flow| {
                for line in wrap(Face::Bold, size, title, WIDTH) {
                    flow.y += size;
                    flow.text_at(MARGIN_X, flow.y, Face::Bold, size, ACCENT, &line);
                    flow.y += line_height(size) - size;
                }
            },
        );
        self.lang_of(h, title);
        if level == 1 {
            let y = self.y + 1.0;
            self.push(Op::Line {
                x1: MARGIN_X,
                y1: y,
                x2: MARGIN_X + WIDTH,
                y2: y,
                width: 0.6,
                color: ACCENT,
            });
            self.y += 8.0;
        } else {
            self.y += 3.0;
        }
        self.bookmarks.push(Bookmark {
            level,
            title: title.to_string(),
            anchor,
        });
        anchor
    }

    /// A wrapped paragraph, indented by `indent`.
    pub fn para_styled(&mut self, text: &str, face: Face, size: f32, color: Rgb, indent: f32) {
        let p = self.within(Role::Paragraph, |flow| {
            for line in wrap(face, size, text, WIDTH - indent) {
                flow.ensure(line_height(size));
                flow.y += size;
                flow.text_at(MARGIN_X + indent, flow.y, face, size, color, &line);
                flow.y += line_height(size) - size;
            }
        });
        self.lang_of(p, text);
        self.y += size * 0.5;
    }

    pub fn para(&mut self, text: &str) {
        self.para_styled(text, Face::Regular, 10.0, BLACK, 0.0);
    }

    /// Text in a tinted box: warnings and missing-data notices the reader must not miss.
    pub fn notice(&mut self, text: &str, color: Rgb) {
        let size = 9.5;
        let lines = wrap(Face::Bold, size, text, WIDTH - 16.0);
        let h = lines.len() as f32 * line_height(size) + 10.0;
        self.ensure(h.min(BOTTOM - TOP));
        self.push(Op::Rect {
            x: MARGIN_X,
            y: self.y,
            w: WIDTH,
            h,
            color: (246, 238, 230),
        });
        self.push(Op::Rect {
            x: MARGIN_X,
            y: self.y,
            w: 3.0,
            h,
            color,
        });
        let p = self.within(Role::Paragraph, |flow| {
            let mut y = flow.y + 5.0;
            for line in lines {
                y += size;
                flow.text_at(MARGIN_X + 10.0, y, Face::Bold, size, color, &line);
                y += line_height(size) - size;
            }
        });
        self.lang_of(p, text);
        self.y += h + 8.0;
    }

    /// A table with a header row repeated after page breaks. `widths` are fractions of the
    /// text width. Tagged as a table: the first header row's cells are column headers (the
    /// repeats are artifacts), and a linked cell holds a link.
    pub fn table(&mut self, header: &[&str], widths: &[f32], rows: &[Vec<Cell>]) {
        let size = 9.0;
        let pad = 3.0;
        let cols: Vec<(f32, f32)> = {
            let mut x = MARGIN_X;
            widths
                .iter()
                .map(|w| {
                    let c = (x, w * WIDTH);
                    x += w * WIDTH;
                    c
                })
                .collect()
        };
        let outer = self.current;
        let table = self.structure.open(Role::Table, outer);
        // A title wider than its column ("Fecha de nacimiento") wraps inside it.
        let titles: Vec<Vec<String>> = header
            .iter()
            .enumerate()
            .map(|(i, t)| wrap(Face::Bold, size, t, cols[i].1 - 2.0 * pad))
            .collect();
        let title_lines = titles.iter().map(Vec::len).max().unwrap_or(1).max(1);
        // `tagged`: the first header goes in the structure; its repeats are artifacts.
        let draw_header = |flow: &mut Flow, tagged: bool| {
            let h = title_lines as f32 * line_height(size) + 2.0 * pad;
            flow.push(Op::Rect {
                x: MARGIN_X,
                y: flow.y,
                w: WIDTH,
                h,
                color: (228, 233, 242),
            });
            let row = tagged.then(|| flow.structure.open(Role::Row, Some(table)));
            for (i, lines) in titles.iter().enumerate() {
                flow.current = row.map(|r| {
                    flow.structure
                        .open(Role::HeaderCell { column: true }, Some(r))
                });
                for (k, line) in lines.iter().enumerate() {
                    flow.text_at(
                        cols[i].0 + pad,
                        flow.y + pad + size + k as f32 * line_height(size),
                        Face::Bold,
                        size,
                        BLACK,
                        line,
                    );
                }
            }
            flow.current = None;
            flow.y += h;
        };
        self.ensure((title_lines + 2) as f32 * line_height(size) + 4.0 * pad);
        draw_header(self, true);
        for row in rows {
            let wrapped: Vec<Vec<String>> = row
                .iter()
                .enumerate()
                .map(|(i, c)| wrap(c.face, size, &c.text, cols[i].1 - 2.0 * pad))
                .collect();
            // Each cell's element (its link's, when it has one), made before any line is drawn:
            // the lines of a row are drawn across the cells.
            let tr = self.structure.open(Role::Row, Some(table));
            let owners: Vec<usize> = row
                .iter()
                .map(|cell| {
                    let td = self.structure.open(Role::Cell, Some(tr));
                    self.lang_of(td, &cell.text);
                    match cell.link {
                        Some(_) => self.structure.open(
                            Role::Link {
                                alt: cell.text.clone(),
                            },
                            Some(td),
                        ),
                        None => td,
                    }
                })
                .collect();
            let n = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let h = n as f32 * line_height(size) + 2.0 * pad;
            let page = BOTTOM - TOP - title_lines as f32 * line_height(size) - 2.0 * pad;
            // A row that fits on a page is never split; a longer one (a long description)
            // continues on the next page, line by line, under a repeated header.
            if self.y + h > BOTTOM && h <= page {
                self.new_page();
                draw_header(self, false);
            }
            self.y += pad;
            for k in 0..n {
                if self.y + line_height(size) > BOTTOM {
                    self.new_page();
                    draw_header(self, false);
                    self.y += pad;
                }
                let y = self.y + size;
                for (i, lines) in wrapped.iter().enumerate() {
                    let Some(line) = lines.get(k) else { continue };
                    let cell = &row[i];
                    self.current = Some(owners[i]);
                    let w = self.text_at(cols[i].0 + pad, y, cell.face, size, cell.color, line);
                    if let Some(anchor) = cell.link {
                        self.push(Op::Link {
                            x: cols[i].0 + pad,
                            y: y - size,
                            w,
                            h: line_height(size),
                            anchor,
                        });
                    }
                }
                self.current = None;
                self.y += line_height(size);
            }
            self.y += pad;
            self.push(Op::Line {
                x1: MARGIN_X,
                y1: self.y,
                x2: MARGIN_X + WIDTH,
                y2: self.y,
                width: 0.3,
                color: (180, 180, 180),
            });
        }
        self.current = outer;
        self.y += 10.0;
    }

    /// Label/value rows (a form): bold labels in a left column. Monospace values (hashes)
    /// are set smaller so a SHA-256 stays on one line, where it can be copied whole. Tagged
    /// as a table whose rows are headed by their label.
    pub fn fields(&mut self, rows: &[(String, Cell)]) {
        let size = 10.0;
        let label_w = 165.0;
        let outer = self.current;
        let table = self.structure.open(Role::Table, outer);
        for (label, value) in rows {
            let vsize = if value.face == Face::Mono { 8.0 } else { size };
            let labels = wrap(Face::Bold, size, label, label_w - 8.0);
            let values = wrap(value.face, vsize, &value.text, WIDTH - label_w);
            let n = labels.len().max(values.len());
            let tr = self.structure.open(Role::Row, Some(table));
            let th = self
                .structure
                .open(Role::HeaderCell { column: false }, Some(tr));
            self.lang_of(th, label);
            let td = self.structure.open(Role::Cell, Some(tr));
            self.lang_of(td, &value.text);
            // Keep short fields whole; a long value (notes) flows on to the next page.
            if n as f32 * line_height(size) <= BOTTOM - TOP {
                self.ensure(n as f32 * line_height(size));
            }
            for k in 0..n {
                self.ensure(line_height(size));
                let y = self.y + size;
                if let Some(l) = labels.get(k) {
                    self.current = Some(th);
                    self.text_at(MARGIN_X, y, Face::Bold, size, GREY, l);
                }
                if let Some(v) = values.get(k) {
                    self.current = Some(td);
                    self.text_at(MARGIN_X + label_w, y, value.face, vsize, value.color, v);
                }
                self.y += line_height(size);
            }
            self.y += 3.0;
        }
        self.current = outer;
        self.y += 6.0;
    }

    /// A table-of-contents line: title (linked) and the page its anchor lands on. Lines that
    /// follow each other make one table of contents.
    pub fn toc_line(&mut self, title: &str, anchor: usize, indent: f32) {
        let size = 10.0;
        self.ensure(line_height(size));
        self.y += size;
        let max = WIDTH - indent - 40.0;
        let shown = fit(Face::Regular, size, title, max);
        let outer = self.current;
        let toc = match self.toc {
            Some(toc) => toc,
            None => self.structure.open(Role::TableOfContents, outer),
        };
        self.toc = Some(toc);
        let item = self.structure.open(Role::TableOfContentsItem, Some(toc));
        let link = self.structure.open(
            Role::Link {
                alt: title.to_string(),
            },
            Some(item),
        );
        self.lang_of(item, title);
        self.current = Some(link);
        self.text_at(
            MARGIN_X + indent,
            self.y,
            Face::Regular,
            size,
            ACCENT,
            &shown,
        );
        self.push(Op::Link {
            x: MARGIN_X + indent,
            y: self.y - size,
            w: WIDTH - indent,
            h: line_height(size),
            anchor,
        });
        self.current = Some(item);
        self.push(Op::PageOf {
            x: MARGIN_X + WIDTH,
            y: self.y,
            size,
            anchor,
        });
        self.current = outer;
        self.y += line_height(size) - size;
    }

    /// A JPEG picture, scaled to fit the text width and `max_h`, with its pixel size given;
    /// `alt` says what it shows to someone who cannot see it.
    pub fn image(&mut self, jpeg: Vec<u8>, px: (u32, u32), max_h: f32, alt: &str) {
        let (pw, ph) = (px.0.max(1) as f32, px.1.max(1) as f32);
        let scale = (WIDTH / pw).min(max_h / ph);
        let (w, h) = (pw * scale, ph * scale);
        self.ensure(h + 6.0);
        self.images.push(jpeg);
        let image = self.images.len() - 1;
        let figure = self.within(Role::Figure(alt.to_string()), |flow| {
            flow.push(Op::Image {
                x: MARGIN_X + (WIDTH - w) / 2.0,
                y: flow.y,
                w,
                h,
                image,
            });
        });
        self.lang_of(figure, alt);
        self.y += h + 8.0;
    }

    /// Remaining height on this page.
    pub fn room(&self) -> f32 {
        BOTTOM - self.y
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_wider_than_its_column_wraps_inside_it() {
        let mut flow = Flow::new();
        let widths = [0.2, 0.15, 0.65];
        flow.table(
            &["Nombre", "Fecha de nacimiento", "Papel en el caso"],
            &widths,
            &[vec![
                Cell::new("A"),
                Cell::new("2 de mayo de 1990"),
                Cell::new("fuente"),
            ]],
        );
        let second = (
            MARGIN_X + widths[0] * WIDTH,
            MARGIN_X + (widths[0] + widths[1]) * WIDTH,
        );
        let mut lines = 0;
        for op in &flow.pages[0] {
            if let Op::Text {
                x,
                face,
                size,
                text,
                ..
            } = op
                && *x >= second.0
                && *x < second.1
            {
                assert!(
                    x + width(*face, *size, text) <= second.1,
                    "{text:?} runs into the next column"
                );
                lines += 1;
            }
        }
        assert!(lines >= 3, "the title took two lines, the value its own");
    }

    #[test]
    fn a_row_taller_than_a_page_flows_on_and_nothing_is_drawn_below_the_margin() {
        let mut f = Flow::new();
        let long = "A long description of the hearing. ".repeat(400);
        f.table(
            &["Date", "Event"],
            &[0.2, 0.8],
            &[vec![Cell::new("2031"), Cell::new(long.clone())]],
        );
        f.fields(&[("Notes".to_string(), Cell::new(long))]);
        assert!(f.pages.len() >= 4, "{} pages", f.pages.len());
        for page in &f.pages {
            for op in page {
                if let Op::Text { y, .. } = op {
                    assert!(*y <= BOTTOM, "text at {y} is below the bottom margin");
                }
            }
        }
    }

    #[test]
    fn characters_no_font_has_become_question_marks_and_are_counted() {
        let mut missing = 0;
        let r = runs(Face::Regular, "a\u{1F600}b", &mut missing);
        assert_eq!(missing, 1);
        assert_eq!(r.iter().map(|(_, s)| s.as_str()).collect::<String>(), "a?b");
    }
}
