//! Writing results to standard output.

use std::io::Write;

/// Writes `v` as one line of JSON.
pub(crate) fn print_json(v: &serde_json::Value) -> std::io::Result<()> {
    print_line(&v.to_string())
}

/// Writes one line.
pub(crate) fn print_line(line: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()
}

/// `s` with every run of whitespace (line breaks included) made one space.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Writes `rows` under `head` in columns two spaces apart; the last column is not padded.
pub(crate) fn print_table<const N: usize>(
    head: [&str; N],
    rows: &[[String; N]],
) -> std::io::Result<()> {
    let mut width = head.map(str::len);
    for r in rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = std::io::stdout().lock();
    let head = head.map(str::to_owned);
    for r in std::iter::once(&head).chain(rows) {
        let mut line = String::new();
        for (i, (cell, w)) in r.iter().zip(width).enumerate() {
            if i + 1 == N {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                let pad = w - cell.chars().count() + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        writeln!(out, "{line}")?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_joins_lines() {
        assert_eq!(one_line("a\n  b\tc "), "a b c");
    }
}
