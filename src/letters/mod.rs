//! Letters and receipts as PDF: a small page layout (A4, one column: sender, recipient, date,
//! title, headings, paragraphs, label–value tables, a footer) written by `krilla`, a library built
//! for tagged PDF. The fonts (DejaVu Sans, `assets/fonts/`, its licence beside it) are embedded;
//! every piece of text is tagged (headings, paragraphs, tables with row headers), the footer is a
//! pagination artifact, and the file is checked against PDF/A-2a (archivable, tagged, every
//! character mapped to Unicode) when it is written — a document that does not conform is an
//! error, never a file. What a letter says is decided by its caller; nothing here knows cases.
//!
//! The same `Letter`, `document_id` and `created` give the same bytes: nothing here reads the
//! clock or a random source.

use std::sync::{Arc, LazyLock};

use chrono::{DateTime, Datelike, Timelike, Utc};
use krilla::Document;
use krilla::SerializeSettings;
use krilla::configure::{Configuration, Validator};
use krilla::geom::Point;
use krilla::metadata::{DateTime as PdfDateTime, Metadata};
use krilla::page::PageSettings;
use krilla::surface::Surface;
use krilla::tagging::{ArtifactType, ContentTag, Node, SpanTag, TableHeaderScope, Tag, TagGroup, TagTree};
use krilla::text::{Font, TextDirection};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

static REGULAR: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/fonts/DejaVuSans.ttf"));
static BOLD: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/fonts/DejaVuSans-Bold.ttf"));

/// The two faces, loaded once.
struct Faces {
    regular: Font,
    bold: Font,
}

static FACES: LazyLock<Faces> = LazyLock::new(|| Faces {
    regular: Font::new(Arc::new(REGULAR.to_vec()).into(), 0).expect("the embedded DejaVu Sans"),
    bold: Font::new(Arc::new(BOLD.to_vec()).into(), 0).expect("the embedded DejaVu Sans Bold"),
});

/// One part of a letter's body, in reading order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Heading(String),
    Paragraph(String),
    /// Label–value rows, written as a table whose first column heads each row.
    Facts(Vec<(String, String)>),
}

/// Everything a letter shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// `da` or `en`: the document's language.
    pub lang: &'static str,
    /// The document's title (its metadata) and first heading.
    pub title: String,
    /// Who sends it: the office's name and address lines.
    pub sender: Vec<String>,
    /// To whom, when it is posted: name and address lines.
    pub recipient: Option<Vec<String>>,
    /// "Vejle, 3. december 2026".
    pub dated: String,
    pub blocks: Vec<Block>,
    /// On every page, e.g. "Sag KBH01-2026-000001 · version 4".
    pub footer: String,
}

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 64.0;
const BODY: f32 = 10.5;
const LINE: f32 = 15.0;
const BOTTOM: f32 = PAGE_H - 72.0;

/// The letter as PDF/A-2a bytes.
pub fn render(letter: &Letter, document_id: &str, created: DateTime<Utc>) -> Result<Vec<u8>, String> {
    let settings = SerializeSettings {
        configuration: Configuration::new_with_validator(Validator::A2_A),
        ..SerializeSettings::default()
    };
    let mut doc = Document::new_with(settings);
    let mut writer = Writer { doc: &mut doc, pages: Vec::new(), tree: TagTree::new(), letter };
    writer.write();
    let Writer { tree, .. } = writer;
    doc.set_tag_tree(tree);
    doc.set_metadata(
        Metadata::new()
            .title(letter.title.clone())
            .language(letter.lang.to_string())
            .creator("nemid-desk".to_string())
            .producer(concat!("nemid-desk ", env!("CARGO_PKG_VERSION")).to_string())
            .authors(vec![letter.sender.first().cloned().unwrap_or_default()])
            .creation_date(pdf_date(created))
            .document_id(document_id.to_string()),
    );
    doc.finish().map_err(|e| format!("the PDF could not be written: {e:?}"))
}

fn pdf_date(at: DateTime<Utc>) -> PdfDateTime {
    PdfDateTime::new(at.year().clamp(0, 9999) as u16)
        .month(at.month() as u8)
        .day(at.day() as u8)
        .hour(at.hour() as u8)
        .minute(at.minute() as u8)
        .second(at.second() as u8)
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

/// Text width in points, from the font's own advances (no kerning: wrapping errs on the safe side).
fn width(bold: bool, size: f32, text: &str) -> f32 {
    let data = if bold { BOLD } else { REGULAR };
    let Ok(font) = FontRef::new(data) else { return text.chars().count() as f32 * size * 0.6 };
    let cmap = font.charmap();
    let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
    text.chars().map(|c| cmap.map(c).and_then(|g| metrics.advance_width(g)).unwrap_or(size * 0.6)).sum()
}

/// Words into lines no wider than `max`; a word longer than a line is cut. Every line but a
/// paragraph's last ends in a space, so that text extraction (and PDF/A's word boundaries) keeps
/// the words at line ends apart.
fn wrap(bold: bool, size: f32, text: &str, max: f32) -> Vec<String> {
    let mut lines = broken(bold, size, text, max);
    let n = lines.len();
    for l in lines.iter_mut().take(n.saturating_sub(1)) {
        if !l.is_empty() {
            l.push(' ');
        }
    }
    lines
}

fn broken(bold: bool, size: f32, text: &str, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
            if width(bold, size, &candidate) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut rest = word.to_string();
            while width(bold, size, &rest) > max {
                let mut cut = rest.len();
                while cut > 1 && width(bold, size, &rest[..cut]) > max {
                    cut = rest[..cut].char_indices().last().map(|(i, _)| i).unwrap_or(1);
                }
                lines.push(rest[..cut].to_string());
                rest = rest[cut..].to_string();
            }
            line = rest;
        }
        lines.push(line);
    }
    lines
}

/// Lays the letter out page by page, tagging as it goes.
struct Writer<'a, 'd> {
    doc: &'d mut Document,
    /// Drawn lines per page: (x, y, bold, size, text, the tag group it belongs to).
    pages: Vec<Vec<Drawn>>,
    tree: TagTree,
    letter: &'a Letter,
}

struct Drawn {
    x: f32,
    y: f32,
    bold: bool,
    size: f32,
    text: String,
    /// Index into the groups being built.
    group: usize,
    /// In a table: the row, and whether in its header cell.
    cell: Option<(usize, bool)>,
}

/// A structure element being filled: its tag and where its cells go.
enum Group {
    Plain(TagGroup),
    /// A table: rows of (header cell, data cell).
    Table(Vec<(TagGroup, TagGroup)>),
}

impl Writer<'_, '_> {
    fn write(&mut self) {
        let letter = self.letter;
        let mut groups: Vec<Group> = Vec::new();
        let mut y = MARGIN;
        let mut page: Vec<Drawn> = Vec::new();
        let text_w = PAGE_W - 2.0 * MARGIN;
        // Each line: where it goes; a new page when the bottom is reached.
        let put = |pages: &mut Vec<Vec<Drawn>>, page: &mut Vec<Drawn>, y: &mut f32, d: Drawn, advance: f32| {
            if *y + advance > BOTTOM {
                pages.push(std::mem::take(page));
                *y = MARGIN;
            }
            page.push(Drawn { y: *y + d.size, ..d });
            *y += advance;
        };
        let mut pages = Vec::new();
        let paragraph = |groups: &mut Vec<Group>,
                         pages: &mut Vec<Vec<Drawn>>,
                         page: &mut Vec<Drawn>,
                         y: &mut f32,
                         tag: TagGroup,
                         text: &str,
                         bold: bool,
                         size: f32,
                         line: f32| {
            let g = groups.len();
            groups.push(Group::Plain(tag));
            for l in wrap(bold, size, text, text_w) {
                put(pages, page, y, Drawn { x: MARGIN, y: 0.0, bold, size, text: l, group: g, cell: None }, line);
            }
        };
        // The sender, top right in spirit: first in reading order.
        for (i, l) in letter.sender.iter().enumerate() {
            paragraph(&mut groups, &mut pages, &mut page, &mut y, TagGroup::new(Tag::P), l, i == 0, 9.5, 13.0);
        }
        y += 18.0;
        if let Some(to) = &letter.recipient {
            for l in to {
                paragraph(&mut groups, &mut pages, &mut page, &mut y, TagGroup::new(Tag::P), l, false, BODY, LINE);
            }
            y += 18.0;
        }
        paragraph(&mut groups, &mut pages, &mut page, &mut y, TagGroup::new(Tag::P), &letter.dated, false, BODY, LINE);
        y += 14.0;
        let h1 = TagGroup::new(Tag::Hn(std::num::NonZeroU16::MIN, Some(letter.title.clone())));
        paragraph(&mut groups, &mut pages, &mut page, &mut y, h1, &letter.title, true, 16.0, 21.0);
        y += 6.0;
        for block in &letter.blocks {
            match block {
                Block::Heading(h) => {
                    y += 8.0;
                    let level = std::num::NonZeroU16::new(2).unwrap_or(std::num::NonZeroU16::MIN);
                    let tag = TagGroup::new(Tag::Hn(level, Some(h.clone())));
                    paragraph(&mut groups, &mut pages, &mut page, &mut y, tag, h, true, 12.0, 17.0);
                }
                Block::Paragraph(p) => {
                    paragraph(&mut groups, &mut pages, &mut page, &mut y, TagGroup::new(Tag::P), p, false, BODY, LINE);
                    y += 5.0;
                }
                Block::Facts(rows) => {
                    let label_w = 170.0;
                    let g = groups.len();
                    let mut cells = Vec::new();
                    for (row, (label, value)) in rows.iter().enumerate() {
                        cells.push((TagGroup::new(Tag::TH(TableHeaderScope::Row)), TagGroup::new(Tag::TD)));
                        let labels = wrap(true, BODY, label, label_w - 10.0);
                        let values = wrap(false, BODY, value, text_w - label_w);
                        let n = labels.len().max(values.len());
                        if y + n as f32 * LINE > BOTTOM {
                            pages.push(std::mem::take(&mut page));
                            y = MARGIN;
                        }
                        for (i, l) in labels.into_iter().enumerate() {
                            page.push(Drawn {
                                x: MARGIN,
                                y: y + BODY + i as f32 * LINE,
                                bold: true,
                                size: BODY,
                                text: l,
                                group: g,
                                cell: Some((row, true)),
                            });
                        }
                        for (i, v) in values.into_iter().enumerate() {
                            page.push(Drawn {
                                x: MARGIN + label_w,
                                y: y + BODY + i as f32 * LINE,
                                bold: false,
                                size: BODY,
                                text: v,
                                group: g,
                                cell: Some((row, false)),
                            });
                        }
                        y += n as f32 * LINE + 3.0;
                    }
                    groups.push(Group::Table(cells));
                    y += 6.0;
                }
            }
        }
        pages.push(page);
        self.pages = pages;
        self.draw(groups);
    }

    /// Draws every page, each line in a tagged span added to its group; the footer an artifact.
    fn draw(&mut self, mut groups: Vec<Group>) {
        let faces = &*FACES;
        let count = self.pages.len();
        let footer = &self.letter.footer;
        let pages = std::mem::take(&mut self.pages);
        for (n, lines) in pages.into_iter().enumerate() {
            let settings = PageSettings::from_wh(PAGE_W, PAGE_H).unwrap_or_default();
            let mut page = self.doc.start_page_with(settings);
            let mut surface = page.surface();
            for d in &lines {
                let id = surface.start_tagged(ContentTag::Span(SpanTag::empty()));
                text(&mut surface, if d.bold { &faces.bold } else { &faces.regular }, d);
                surface.end_tagged();
                match (&mut groups[d.group], d.cell) {
                    (Group::Plain(g), _) => g.push(id),
                    (Group::Table(rows), Some((row, header))) => {
                        let cell = if header { &mut rows[row].0 } else { &mut rows[row].1 };
                        cell.push(id);
                    }
                    (Group::Table(_), None) => {}
                }
            }
            surface.start_tagged(ContentTag::Artifact(ArtifactType::Footer));
            let f = Drawn {
                x: MARGIN,
                y: PAGE_H - 40.0,
                bold: false,
                size: 8.0,
                text: format!(
                    "{footer} · {} {}/{count}",
                    if self.letter.lang == "da" { "side" } else { "page" },
                    n + 1
                ),
                group: 0,
                cell: None,
            };
            text(&mut surface, &faces.regular, &f);
            surface.end_tagged();
            surface.finish();
            page.finish();
        }
        for group in groups {
            match group {
                Group::Plain(g) => self.tree.push(g),
                Group::Table(rows) => {
                    let mut table = TagGroup::new(Tag::Table);
                    for (th, td) in rows {
                        let mut tr = TagGroup::new(Tag::TR);
                        tr.push(Node::Group(th));
                        tr.push(Node::Group(td));
                        table.push(Node::Group(tr));
                    }
                    self.tree.push(table);
                }
            }
        }
    }
}

fn text(surface: &mut Surface, font: &Font, d: &Drawn) {
    surface.draw_text(Point::from_xy(d.x, d.y), font.clone(), d.size, &d.text, false, TextDirection::Auto);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Letter {
        Letter {
            lang: "da",
            title: "Kvittering for NemID".into(),
            sender: vec!["Borgerservice Vejle".into(), "Skolegade 1".into(), "7100 Vejle".into()],
            recipient: Some(vec!["Søren Ærø Åberg".into(), "Vestergade 12".into(), "7100 Vejle".into()]),
            dated: "Vejle, 3. december 2026".into(),
            blocks: vec![
                Block::Heading("Det har du fået".into()),
                Block::Facts(vec![
                    ("Sag".into(), "KBH01-2026-000001".into()),
                    ("CPR-nummer".into(), "010190-xxxx".into()),
                ]),
                Block::Paragraph("Nøglekortet sendes med posten og er fremme senest 17. december 2026. ".repeat(30)),
            ],
            footer: "Sag KBH01-2026-000001 · version 4".into(),
        }
    }

    #[test]
    fn the_same_letter_gives_the_same_bytes_and_conforms() {
        let at = DateTime::parse_from_rfc3339("2026-12-03T10:00:00Z").unwrap().with_timezone(&Utc);
        let a = render(&sample(), "case-1-v4-receipt-da", at).expect("a PDF/A-2a document");
        let b = render(&sample(), "case-1-v4-receipt-da", at).unwrap();
        assert!(a.starts_with(b"%PDF-"));
        assert_eq!(a, b);
        if let Ok(dir) = std::env::var("LETTER_SAMPLE_DIR") {
            std::fs::write(format!("{dir}/sample.pdf"), &a).unwrap();
        }
    }

    #[test]
    fn lines_wrap_within_the_width() {
        let text = "Du kan klage over afgørelsen. Klagen sendes til den myndighed, der har truffet afgørelsen.";
        let lines = wrap(false, BODY, text, 200.0);
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|l| width(false, BODY, l.trim_end()) <= 200.0));
        assert_eq!(lines.concat(), text);
        let long = "x".repeat(200);
        assert!(wrap(false, BODY, &long, 100.0).iter().all(|l| width(false, BODY, l.trim_end()) <= 100.0));
    }
}
