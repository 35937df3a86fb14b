//! Draws a laid-out [`Flow`] with krilla as a tagged PDF, PDF/A-3a and PDF/UA-1 (krilla checks
//! both as it writes): subset fonts with Unicode maps, JPEGs passed through, a footer with page
//! numbers, internal links and the outline, and the structure the layout recorded as the tag
//! tree, so a screen reader reads headings, paragraphs, tables and figures as such.

use krilla::annotation::{Annotation, LinkAnnotation, Target};
use krilla::color::rgb;
use krilla::configure::{Accessibility, Archival, ConfigurationBuilder};
use krilla::destination::XyzDestination;
use krilla::error::KrillaError;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::{DateTime, Metadata};
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::tagging::{
    Artifact, ArtifactType, ContentTag, Identifier, SpanTag, TableHeaderScope, Tag, TagGroup,
    TagKind, TagTree,
};
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};
use std::collections::HashMap;

use time::OffsetDateTime;

use super::layout::{
    Face, Flow, GREY, MARGIN_X, Op, PAGE_H, PAGE_W, Rgb, WIDTH, fit, measured_runs, width,
};
use super::structure::{Child, Role, Structure};
use crate::error::{Error, Result};

/// Document-level facts.
pub struct DocInfo {
    pub title: String,
    pub language: String,
    pub created: OffsetDateTime,
    /// Printed at the foot of every page, left of the page number.
    pub footer: String,
    /// "Page {n} of {m}" in the document's language.
    pub page_label: Box<dyn Fn(usize, usize) -> String>,
}

fn color(c: Rgb) -> krilla::paint::Paint {
    rgb::Color::new(c.0, c.1, c.2).into()
}

fn fill(c: Rgb) -> Option<Fill> {
    Some(Fill {
        paint: color(c),
        ..Default::default()
    })
}

pub fn render(flow: &Flow, info: &DocInfo) -> Result<Vec<u8>> {
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A3_A)
        .with_accessibility_validator(Accessibility::UA1)
        .finish()
        .map_err(|e| Error::Pdf(format!("PDF/A and PDF/UA configuration: {e:?}")))?;
    let mut doc = Document::new_with(SerializeSettings {
        configuration,
        enable_tagging: true,
        ..Default::default()
    });
    let owners = flow.structure.owners();
    let mut drawn: HashMap<(usize, usize), Identifier> = HashMap::new();
    let fonts = [Face::Regular, Face::Bold, Face::Mono]
        .map(|f| Font::new(f.data().into(), 0).expect("bundled font loads"));
    let mut images = Vec::with_capacity(flow.images.len());
    for jpeg in &flow.images {
        images.push(
            Image::from_jpeg(jpeg.clone().into(), false)
                .map_err(|e| Error::Pdf(format!("a picture: {e}")))?,
        );
    }
    let total = flow.pages.len();
    let anchor = |a: usize| flow.anchors.get(a).copied().flatten().unwrap_or((0, 0.0));
    for (index, ops) in flow.pages.iter().enumerate() {
        let mut page = doc.start_page_with(
            PageSettings::from_wh(PAGE_W, PAGE_H).expect("A4 is a valid page size"),
        );
        let mut links = Vec::new();
        {
            let mut surface = page.surface();
            let text =
                |s: &mut Surface<'_>, x: f32, y: f32, face: Face, size: f32, c: Rgb, t: &str| {
                    // Through the same font runs as the layout: a character Noto lacks must not
                    // reach krilla as .notdef (PDF/A forbids it).
                    s.set_stroke(None);
                    s.set_fill(fill(c));
                    let mut x = x;
                    for (f, run, w) in measured_runs(face, size, t) {
                        s.draw_text(
                            Point::from_xy(x, y),
                            fonts[f as usize].clone(),
                            size,
                            &run,
                            false,
                            TextDirection::Auto,
                        );
                        x += w;
                    }
                };
            for (i, op) in ops.iter().enumerate() {
                // Content inside an element is marked so the tag tree can point at it; the
                // rest (rules, shading, repeated headers) is an artifact.
                let owned = owners.contains_key(&(index, i));
                let tag = match op {
                    _ if !owned => Some(ContentTag::Artifact(Artifact::new(
                        ArtifactType::Layout,
                        None,
                    ))),
                    Op::Text { .. } | Op::PageOf { .. } => Some(ContentTag::Span(SpanTag::empty())),
                    Op::Image { .. } => Some(ContentTag::Other),
                    _ => None,
                };
                if let Some(tag) = tag
                    && !matches!(op, Op::Link { .. })
                {
                    let id = surface.start_tagged(tag);
                    if owned {
                        drawn.insert((index, i), id);
                    }
                }
                match op {
                    Op::Text {
                        x,
                        y,
                        face,
                        size,
                        color,
                        text: t,
                    } => text(&mut surface, *x, *y, *face, *size, *color, t),
                    Op::Rect { x, y, w, h, color } => {
                        let mut pb = PathBuilder::new();
                        if let Some(r) = Rect::from_xywh(*x, *y, *w, *h) {
                            pb.push_rect(r);
                        }
                        if let Some(path) = pb.finish() {
                            surface.set_stroke(None);
                            surface.set_fill(fill(*color));
                            surface.draw_path(&path);
                        }
                    }
                    Op::Line {
                        x1,
                        y1,
                        x2,
                        y2,
                        width,
                        color,
                    } => {
                        let mut pb = PathBuilder::new();
                        pb.move_to(*x1, *y1);
                        pb.line_to(*x2, *y2);
                        if let Some(path) = pb.finish() {
                            surface.set_fill(None);
                            surface.set_stroke(Some(Stroke {
                                paint: self::color(*color),
                                width: *width,
                                ..Default::default()
                            }));
                            surface.draw_path(&path);
                        }
                    }
                    Op::Image { x, y, w, h, image } => {
                        if let Some(size) = Size::from_wh(*w, *h) {
                            surface.push_transform(&Transform::from_translate(*x, *y));
                            surface.draw_image(images[*image].clone(), size);
                            surface.pop();
                        }
                    }
                    Op::Link { x, y, w, h, anchor } => links.push((i, *x, *y, *w, *h, *anchor)),
                    Op::PageOf {
                        x,
                        y,
                        size,
                        anchor: a,
                    } => {
                        let n = (anchor(*a).0 + 1).to_string();
                        let w = width(Face::Regular, *size, &n);
                        text(&mut surface, x - w, *y, Face::Regular, *size, GREY, &n);
                    }
                }
                if tag.is_some() && !matches!(op, Op::Link { .. }) {
                    surface.end_tagged();
                }
            }
            // Footer: the dossier's title and the page number, on every page.
            surface.start_tagged(ContentTag::Artifact(Artifact::new(
                ArtifactType::Footer,
                None,
            )));
            let y = PAGE_H - 36.0;
            let label = (info.page_label)(index + 1, total);
            let w = width(Face::Regular, 8.0, &label);
            text(
                &mut surface,
                MARGIN_X + WIDTH - w,
                y,
                Face::Regular,
                8.0,
                GREY,
                &label,
            );
            let footer = fit(Face::Regular, 8.0, &info.footer, WIDTH - w - 20.0);
            text(&mut surface, MARGIN_X, y, Face::Regular, 8.0, GREY, &footer);
            surface.end_tagged();
            surface.finish();
        }
        for (i, x, y, w, h, a) in links {
            let (page_index, ay) = anchor(a);
            // What the link says where it goes (PDF/UA wants every annotation described).
            let alt = owners
                .get(&(index, i))
                .and_then(|e| match &flow.structure.elements[*e].role {
                    Role::Link { alt } => Some(alt.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| info.title.clone());
            if let Some(rect) = Rect::from_xywh(x, y, w.max(1.0), h) {
                let link = Annotation::new_link(
                    LinkAnnotation::new(
                        rect,
                        Target::Destination(
                            XyzDestination::new(page_index, Point::from_xy(0.0, ay)).into(),
                        ),
                    ),
                    Some(alt),
                );
                let id = page.add_tagged_annotation(link);
                drawn.insert((index, i), id);
            }
        }
        page.finish();
    }
    let mut outline = Outline::new();
    let mut current: Option<OutlineNode> = None;
    for b in &flow.bookmarks {
        let (p, y) = anchor(b.anchor);
        let node = OutlineNode::new(
            b.title.clone(),
            XyzDestination::new(p, Point::from_xy(0.0, y)),
        );
        if b.level <= 1 {
            if let Some(done) = current.take() {
                outline.push_child(done);
            }
            current = Some(node);
        } else if let Some(parent) = current.as_mut() {
            parent.push_child(node);
        } else {
            outline.push_child(node);
        }
    }
    if let Some(done) = current.take() {
        outline.push_child(done);
    }
    doc.set_outline(outline);
    doc.set_tag_tree(tag_tree(&flow.structure, &drawn, &info.language));
    let c = info.created;
    doc.set_metadata(
        Metadata::new()
            .title(info.title.clone())
            .language(info.language.clone())
            .creator("Dossier".to_string())
            .creation_date(
                DateTime::new(c.year() as u16)
                    .month(c.month() as u8)
                    .day(c.day())
                    .hour(c.hour())
                    .minute(c.minute())
                    .second(c.second())
                    .utc_offset_hour(0)
                    .utc_offset_minute(0),
            ),
    );
    doc.finish().map_err(|e| match e {
        KrillaError::Validation(errors) => Error::Pdf(format!(
            "the document is not valid PDF/A-3a and PDF/UA-1: {}",
            errors
                .iter()
                .map(|(e, _)| format!("{e:?}"))
                .collect::<Vec<_>>()
                .join("; ")
        )),
        e => Error::Pdf(e.to_string()),
    })
}

/// krilla's tag tree from the structure the layout recorded, with the identifiers of what
/// was drawn. An element left with nothing in it is dropped (krilla drops empty groups).
fn tag_tree(
    structure: &Structure,
    drawn: &HashMap<(usize, usize), Identifier>,
    lang: &str,
) -> TagTree {
    fn group(
        structure: &Structure,
        drawn: &HashMap<(usize, usize), Identifier>,
        id: usize,
    ) -> TagGroup {
        let e = &structure.elements[id];
        let lang = e.lang.map(String::from);
        let kind: TagKind = match &e.role {
            Role::Heading(level, title) => Tag::Hn(
                std::num::NonZeroU16::new(u16::from(*level)).unwrap_or(std::num::NonZeroU16::MIN),
                Some(title.clone()),
            )
            .with_lang(lang)
            .into(),
            Role::Paragraph => Tag::P.with_lang(lang).into(),
            Role::Table => Tag::Table.with_lang(lang).into(),
            Role::Row => Tag::TR.with_lang(lang).into(),
            Role::HeaderCell { column } => Tag::TH(if *column {
                TableHeaderScope::Column
            } else {
                TableHeaderScope::Row
            })
            .with_lang(lang)
            .into(),
            Role::Cell => Tag::TD.with_lang(lang).into(),
            Role::Figure(alt) => Tag::Figure(Some(alt.clone())).with_lang(lang).into(),
            Role::Link { .. } => Tag::Link.with_lang(lang).into(),
            Role::TableOfContents => Tag::TOC.with_lang(lang).into(),
            Role::TableOfContentsItem => Tag::TOCI.with_lang(lang).into(),
        };
        let mut g = TagGroup::new(kind);
        for child in &e.children {
            match *child {
                Child::Element(c) => g.push(group(structure, drawn, c)),
                Child::Drawn { page, op } => {
                    if let Some(id) = drawn.get(&(page, op)) {
                        g.push(*id);
                    }
                }
            }
        }
        g
    }
    let mut tree = TagTree::new().with_lang(Some(lang.to_string()));
    for &root in &structure.roots {
        tree.push(group(structure, drawn, root));
    }
    tree
}
