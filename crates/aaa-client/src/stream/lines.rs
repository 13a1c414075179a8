//! Splitting the stream's bytes into lines in bounded memory.

use bytes::{Bytes, BytesMut};

/// What the splitter found in the bytes given to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// A complete line, without its `\n` (or `\r\n`), not blank.
    Line(Bytes),
    /// A blank line: a keep-alive.
    KeepAlive,
    /// A line longer than the limit, dropped; how many bytes it had.
    Oversized(usize),
}

/// Splits a byte stream at `\n`, holding at most `max` bytes of an unfinished line. A line
/// that grows past `max` is dropped as it arrives (its bytes are counted, not kept) and
/// reported once its end is seen.
#[derive(Debug)]
pub(crate) struct Lines {
    buf: BytesMut,
    max: usize,
    /// Bytes of the oversized line being skipped, when one is.
    skipping: Option<usize>,
}

impl Lines {
    pub(crate) fn new(max: usize) -> Self {
        Lines {
            buf: BytesMut::new(),
            max: max.max(1),
            skipping: None,
        }
    }

    /// Feeds a chunk; calls `out` for every piece it completes, in order.
    pub(crate) fn push(&mut self, mut chunk: &[u8], out: &mut impl FnMut(Piece)) {
        while !chunk.is_empty() {
            let newline = chunk.iter().position(|&b| b == b'\n');
            let (part, rest, ends) = match newline {
                Some(i) => (&chunk[..i], &chunk[i + 1..], true),
                None => (chunk, &[][..], false),
            };
            chunk = rest;
            if let Some(skipped) = &mut self.skipping {
                *skipped += part.len() + usize::from(ends);
            } else if self.buf.len() + part.len() > self.max {
                self.skipping = Some(self.buf.len() + part.len() + usize::from(ends));
                self.buf = BytesMut::new();
            } else {
                self.buf.extend_from_slice(part);
            }
            if ends {
                if let Some(skipped) = self.skipping.take() {
                    out(Piece::Oversized(skipped));
                } else {
                    let mut line = self.buf.split().freeze();
                    if line.last() == Some(&b'\r') {
                        line.truncate(line.len() - 1);
                    }
                    if line.iter().all(u8::is_ascii_whitespace) {
                        out(Piece::KeepAlive);
                    } else {
                        out(Piece::Line(line));
                    }
                }
            }
        }
    }

    /// The bytes of an unfinished line, when the connection ends: they are returned if they
    /// form a complete JSON value (a server that closed after a last line without `\n`), and
    /// dropped otherwise (a line cut off mid-way). Returns how many bytes were dropped.
    pub(crate) fn finish(&mut self) -> (Option<Bytes>, usize) {
        let skipped = self.skipping.take().unwrap_or(0);
        let rest = self.buf.split().freeze();
        if rest.iter().all(u8::is_ascii_whitespace) {
            return (None, skipped);
        }
        if serde_json::from_slice::<serde::de::IgnoredAny>(&rest).is_ok() {
            (Some(rest), skipped)
        } else {
            (None, skipped + rest.len())
        }
    }

    /// How many bytes of an unfinished line are held.
    #[cfg(test)]
    pub(crate) fn held(&self) -> usize {
        self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(max: usize, chunks: &[&[u8]]) -> (Vec<Piece>, Lines) {
        let mut lines = Lines::new(max);
        let mut out = Vec::new();
        for c in chunks {
            lines.push(c, &mut |p| out.push(p));
        }
        (out, lines)
    }

    fn line(s: &str) -> Piece {
        Piece::Line(Bytes::copy_from_slice(s.as_bytes()))
    }

    #[test]
    fn lines_keep_alives_and_partial_chunks() {
        let (out, rest) = split(
            64,
            &[b"{\"a\":1}\r\n\r\n{\"b\"", b":2}", b"\n\n  \r\n{\"c\":"],
        );
        assert_eq!(
            out,
            [
                line("{\"a\":1}"),
                Piece::KeepAlive,
                line("{\"b\":2}"),
                Piece::KeepAlive,
                Piece::KeepAlive
            ]
        );
        assert_eq!(rest.held(), 5);
        // One byte at a time gives the same.
        let text = b"{\"a\":1}\r\n\r\n{\"b\":2}\n";
        let bytes: Vec<&[u8]> = text.chunks(1).collect();
        let (out, _) = split(64, &bytes);
        assert_eq!(
            out,
            [line("{\"a\":1}"), Piece::KeepAlive, line("{\"b\":2}")]
        );
    }

    #[test]
    fn oversized_lines_are_dropped_without_holding_them() {
        let big = vec![b'x'; 1000];
        let mut lines = Lines::new(100);
        let mut out = Vec::new();
        lines.push(b"{\"ok\":1}\n", &mut |p| out.push(p));
        for c in big.chunks(30) {
            lines.push(c, &mut |p| out.push(p));
            assert!(lines.held() <= 100);
        }
        lines.push(b"\n{\"ok\":2}\n", &mut |p| out.push(p));
        assert_eq!(
            out,
            [
                line("{\"ok\":1}"),
                Piece::Oversized(1001),
                line("{\"ok\":2}")
            ]
        );
        // A line of exactly the limit passes.
        let exact = vec![b'y'; 100];
        let (out, _) = split(100, &[&exact, b"\n"]);
        assert_eq!(out, [Piece::Line(Bytes::from(exact))]);
    }

    #[test]
    fn an_unfinished_line_is_kept_only_if_it_is_complete_json() {
        let (_, mut rest) = split(64, &[b"{\"a\":1}\n{\"b\":2}"]);
        assert_eq!(rest.finish(), (Some(Bytes::from_static(b"{\"b\":2}")), 0));
        let (_, mut rest) = split(64, &[b"{\"a\":1}\n{\"b\":"]);
        assert_eq!(rest.finish(), (None, 5));
        let (_, mut rest) = split(64, &[b"\r\n"]);
        assert_eq!(rest.finish(), (None, 0));
    }
}
