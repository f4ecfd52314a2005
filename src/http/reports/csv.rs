//! The reports as RFC 4180 CSV, written by the `csv` crate (CRLF line ends, a header row, fields
//! quoted when they need it), safe to open in a spreadsheet: a text field that begins with `=`,
//! `+`, `-`, `@`, a tab or a carriage return is neutralised with a leading `'` (OWASP CSV
//! injection), since office names and other typed text reach supervisors' spreadsheets.

/// The CSV document: `header`, then one line per row.
pub fn render(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    // Writing to memory cannot fail; a row of the wrong length would be a bug, and would show.
    let _ = w.write_record(header.iter().map(|h| neutralise(h)));
    for row in rows {
        let _ = w.write_record(row.iter().map(|f| neutralise(f)));
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// A field a spreadsheet would not take for a formula.
fn neutralise(field: &str) -> String {
    if field.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{field}") } else { field.to_string() }
}

/// An optional value as a CSV field: empty when absent.
pub fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_follows_rfc_4180() {
        let out = render(&["a", "b"], vec![vec!["x,y".into(), "say \"hi\"".into()], vec!["1".into(), "".into()]]);
        assert_eq!(out, "a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n1,\r\n");
        let out = render(&["a"], vec![vec!["two\nlines".into()]]);
        assert_eq!(out, "a\r\n\"two\nlines\"\r\n");
    }

    #[test]
    fn formulas_are_neutralised() {
        let rows = vec![
            vec!["=HYPERLINK(\"http://x\")".into(), "+1".into(), "-2".into(), "@SUM(A1)".into()],
            vec!["\tx".into(), "\rx".into(), "Borgerservice =Vejle".into(), "2026-11-25".into()],
        ];
        let out = render(&["a", "b", "c", "d"], rows);
        assert_eq!(
            out,
            "a,b,c,d\r\n\"'=HYPERLINK(\"\"http://x\"\")\",'+1,'-2,'@SUM(A1)\r\n'\tx,\"'\rx\",Borgerservice =Vejle,2026-11-25\r\n"
        );
    }
}
