//! The ZIP container, written straight through. Every entry is compressed whole before its
//! header goes out, so its CRC and sizes are in the local header: no data descriptors, no
//! seeking back, nothing written when a book is abandoned half-way (there is no finaliser
//! that runs on drop).
//!
//! Entries are compressed by a [`libdeflater`] compressor that each thread makes once and
//! keeps, together with its scratch buffers: a book of many small pages does not pay for a
//! fresh compressor (and its zeroed tables) per page.
//!
//! A page written in pieces ([`Spill`]: the contents, nav, NCX and package document) is held
//! and compressed whole like the others while it is short; past [`SPILL`] bytes it goes through
//! a streaming deflate instead, so the NCX of a book of 10,000 essays is never held whole.
//!
//! What goes into the archive is fixed by the book alone: entries in the order they are
//! added, DOS time 1980-01-01 00:00, Unix permissions 0644, no archive comment (Kobo reads one
//! as DRM). ZIP64 records appear only where a size, an offset or the number of entries needs
//! them.

use std::cell::RefCell;
use std::fmt;
use std::io::{self, Write};

use flate2::write::DeflateEncoder;

use libdeflater::{CompressionLvl, Compressor};

/// The compression level, chosen by measuring (bench/README.md): libdeflate's level 4 makes
/// books within 1–3% of zlib's level 6 in less than half the time; level 6 costs 1.6–2× as
/// much for 1–2%; level 1 is fastest but up to 10% bigger on long essays.
pub const LEVEL: i32 = 4;

/// How an entry is kept in the archive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Stored,
    Deflated,
}

impl Method {
    fn code(self) -> u16 {
        match self {
            Method::Stored => 0,
            Method::Deflated => 8,
        }
    }
}

/// One file of the archive, compressed and ready to be written.
#[derive(Debug)]
pub struct Entry {
    name: String,
    method: Method,
    crc: u32,
    size: u64,
    data: Vec<u8>,
}

thread_local! {
    /// This thread's compressor and its buffers, reused from one entry to the next.
    static DEFLATE: RefCell<Option<Deflate>> = const { RefCell::new(None) };
}

struct Deflate {
    compressor: Compressor,
    input: Vec<u8>,
    output: Vec<u8>,
}

impl Entry {
    /// An entry kept as it is (`mimetype`, images that are compressed already).
    pub fn stored(name: String, data: Vec<u8>) -> Entry {
        Entry {
            name,
            method: Method::Stored,
            crc: libdeflater::crc32(&data),
            size: data.len() as u64,
            data,
        }
    }

    /// An entry whose content is the given pieces one after another, deflated.
    pub fn deflated(name: String, pieces: &[&[u8]]) -> Entry {
        DEFLATE.with_borrow_mut(|slot| {
            let d = slot.get_or_insert_with(|| Deflate {
                compressor: Compressor::new(
                    CompressionLvl::new(LEVEL).expect("a level libdeflate knows"),
                ),
                input: Vec::new(),
                output: Vec::new(),
            });
            let input: &[u8] = match pieces {
                [one] => one,
                _ => {
                    d.input.clear();
                    d.input.reserve_exact(pieces.iter().map(|p| p.len()).sum());
                    for piece in pieces {
                        d.input.extend_from_slice(piece);
                    }
                    &d.input
                }
            };
            let bound = d.compressor.deflate_compress_bound(input.len());
            let data = if bound > KEEP {
                // A fresh zeroed buffer comes straight from the system, its pages untouched
                // until written: a long page costs the memory of its compressed size only.
                let mut out = vec![0; bound];
                let n = d
                    .compressor
                    .deflate_compress(input, &mut out)
                    .expect("the output buffer holds the compression bound");
                out.truncate(n);
                out.shrink_to_fit();
                out
            } else {
                if d.output.len() < bound {
                    d.output.resize(bound, 0);
                }
                let n = d
                    .compressor
                    .deflate_compress(input, &mut d.output)
                    .expect("the output buffer holds the compression bound");
                d.output[..n].to_vec()
            };
            let entry = Entry {
                name,
                method: Method::Deflated,
                crc: libdeflater::crc32(input),
                size: input.len() as u64,
                data,
            };
            // A very long essay's buffers are not kept for the rest of the book.
            if d.input.capacity() > KEEP {
                d.input = Vec::new();
            }
            entry
        })
    }

    /// An entry compressed already, copied from another archive as it is.
    pub fn raw(name: String, method: Method, crc: u32, size: u64, data: Vec<u8>) -> Entry {
        Entry {
            name,
            method,
            crc,
            size,
            data,
        }
    }

    /// Picks the method by media type: raster images are compressed already, and deflating
    /// them again costs time for nothing.
    pub fn for_media(name: String, media_type: &str, data: &[u8]) -> Entry {
        if media_type == "image/svg+xml"
            || media_type.starts_with("text/")
            || media_type.ends_with("+xml")
        {
            Entry::deflated(name, &[data])
        } else {
            Entry::stored(name, data.to_vec())
        }
    }
}

/// Scratch buffers larger than this are not kept from one entry to the next.
const KEEP: usize = 1 << 20;

/// How much of a [`Spill`] is held before it is streamed.
pub const SPILL: usize = 256 << 10;
/// Once streaming, how much is gathered before it goes to the compressor.
const PIECE: usize = 64 << 10;

/// A text entry written a piece at a time (`write!` into it). Up to [`SPILL`] bytes it is held
/// and then deflated whole, as [`Entry::deflated`] does; beyond, it is deflated as it comes
/// (zlib-rs, at the same level), and only its compressed bytes are held. Which of the two a
/// page takes depends on its length alone, so a book's bytes stay the same from run to run.
pub struct Spill {
    name: String,
    held: String,
    stream: Option<Stream>,
    /// The first error of the compressor, reported by [`Spill::finish`] (the writers of a
    /// page ignore `fmt::Error`, since a `String` never returns one).
    failed: Option<io::Error>,
}

struct Stream {
    encoder: DeflateEncoder<Vec<u8>>,
    crc: libdeflater::Crc,
    size: u64,
}

impl Spill {
    pub fn new(name: String) -> Spill {
        Spill {
            name,
            held: String::new(),
            stream: None,
            failed: None,
        }
    }

    /// Sends what is held to the streaming compressor.
    fn spill(&mut self) -> io::Result<()> {
        let stream = self.stream.get_or_insert_with(|| Stream {
            encoder: DeflateEncoder::new(
                Vec::new(),
                flate2::Compression::new(LEVEL.unsigned_abs()),
            ),
            crc: libdeflater::Crc::new(),
            size: 0,
        });
        stream.write(&self.held)?;
        self.held.clear();
        Ok(())
    }

    /// The entry, compressed.
    pub fn finish(self) -> io::Result<Entry> {
        let Spill {
            name,
            held,
            stream,
            failed,
        } = self;
        if let Some(e) = failed {
            return Err(e);
        }
        let Some(mut stream) = stream else {
            return Ok(Entry::deflated(name, &[held.as_bytes()]));
        };
        stream.write(&held)?;
        Ok(Entry {
            name,
            method: Method::Deflated,
            crc: stream.crc.sum(),
            size: stream.size,
            data: stream.encoder.finish()?,
        })
    }
}

impl Stream {
    fn write(&mut self, text: &str) -> io::Result<()> {
        self.crc.update(text.as_bytes());
        self.size += text.len() as u64;
        self.encoder.write_all(text.as_bytes())
    }
}

impl fmt::Write for Spill {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.held.push_str(s);
        let limit = if self.stream.is_some() { PIECE } else { SPILL };
        if self.held.len() > limit
            && let Err(e) = self.spill()
        {
            self.failed.get_or_insert(e);
            return Err(fmt::Error);
        }
        Ok(())
    }
}

const LOCAL: u32 = 0x0403_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const END: u32 = 0x0605_4b50;
const END64: u32 = 0x0606_4b50;
const LOCATOR64: u32 = 0x0706_4b50;
/// DOS date 1980-01-01 (the earliest a ZIP can say), time 00:00.
const DOS_DATE: u16 = (1 << 5) | 1;
/// Made by Unix (3), spec 2.0; with ZIP64, 4.5.
const MADE_BY: u16 = 3 << 8;
/// A regular file, rw-r--r--.
const UNIX_MODE: u32 = 0o100_644;
/// Bit 11: the name is UTF-8.
const UTF8: u16 = 1 << 11;
const MAX32: u64 = 0xFFFF_FFFF;

/// Writes entries one after another, then the central directory.
pub struct ZipOut<W: Write> {
    out: W,
    pos: u64,
    central: Vec<u8>,
    entries: u64,
    header: Vec<u8>,
}

impl<W: Write> ZipOut<W> {
    pub fn new(out: W) -> ZipOut<W> {
        ZipOut {
            out,
            pos: 0,
            central: Vec::new(),
            entries: 0,
            header: Vec::with_capacity(128),
        }
    }

    pub fn add(&mut self, entry: &Entry) -> io::Result<()> {
        let name = entry.name.as_bytes();
        let name_len = u16::try_from(name.len())
            .map_err(|_| io::Error::other(format!("file name too long: {}", entry.name)))?;
        let flags = if entry.name.is_ascii() { 0 } else { UTF8 };
        let csize = entry.data.len() as u64;
        let big_sizes = entry.size >= MAX32 || csize >= MAX32;
        let big_offset = self.pos >= MAX32;
        let version: u16 = if big_sizes || big_offset { 45 } else { 20 };

        let h = &mut self.header;
        h.clear();
        put32(h, LOCAL);
        described(h, entry, version, flags, big_sizes);
        put16(h, name_len);
        put16(h, if big_sizes { 20 } else { 0 });
        h.extend_from_slice(name);
        if big_sizes {
            put16(h, 1);
            put16(h, 16);
            put64(h, entry.size);
            put64(h, csize);
        }
        self.out.write_all(h)?;
        self.out.write_all(&entry.data)?;

        // The central directory's record: ZIP64 fields only for the values that need them.
        let mut extra = Vec::new();
        if big_sizes {
            put64(&mut extra, entry.size);
            put64(&mut extra, csize);
        }
        if big_offset {
            put64(&mut extra, self.pos);
        }
        let c = &mut self.central;
        put32(c, CENTRAL);
        put16(c, MADE_BY | version);
        described(c, entry, version, flags, big_sizes);
        put16(c, name_len);
        put16(
            c,
            if extra.is_empty() {
                0
            } else {
                4 + extra.len() as u16
            },
        );
        put16(c, 0); // comment
        put16(c, 0); // disk
        put16(c, 0); // internal attributes
        put32(c, UNIX_MODE << 16);
        put32(c, self.pos.min(MAX32) as u32);
        c.extend_from_slice(name);
        if !extra.is_empty() {
            put16(c, 1);
            put16(c, extra.len() as u16);
            c.extend_from_slice(&extra);
        }

        self.pos += h.len() as u64 + csize;
        self.entries += 1;
        Ok(())
    }

    /// Writes the central directory and the end records; returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        let start = self.pos;
        let size = self.central.len() as u64;
        self.out.write_all(&self.central)?;
        let mut end = Vec::with_capacity(100);
        let zip64 = self.entries >= 0xFFFF || start >= MAX32 || size >= MAX32;
        if zip64 {
            let at = start + size;
            put32(&mut end, END64);
            put64(&mut end, 44);
            put16(&mut end, MADE_BY | 45);
            put16(&mut end, 45);
            put32(&mut end, 0);
            put32(&mut end, 0);
            put64(&mut end, self.entries);
            put64(&mut end, self.entries);
            put64(&mut end, size);
            put64(&mut end, start);
            put32(&mut end, LOCATOR64);
            put32(&mut end, 0);
            put64(&mut end, at);
            put32(&mut end, 1);
        }
        put32(&mut end, END);
        put16(&mut end, 0);
        put16(&mut end, 0);
        put16(&mut end, self.entries.min(0xFFFF) as u16);
        put16(&mut end, self.entries.min(0xFFFF) as u16);
        put32(&mut end, size.min(MAX32) as u32);
        put32(&mut end, start.min(MAX32) as u32);
        put16(&mut end, 0);
        self.out.write_all(&end)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The fields the local header and the central directory share, from the version needed to
/// the sizes (which say "see ZIP64" when they do not fit).
fn described(v: &mut Vec<u8>, entry: &Entry, version: u16, flags: u16, big_sizes: bool) {
    put16(v, version);
    put16(v, flags);
    put16(v, entry.method.code());
    put16(v, 0);
    put16(v, DOS_DATE);
    put32(v, entry.crc);
    let fit = |n: u64| if big_sizes { MAX32 as u32 } else { n as u32 };
    put32(v, fit(entry.data.len() as u64));
    put32(v, fit(entry.size));
}

fn put16(v: &mut Vec<u8>, n: u16) {
    v.extend_from_slice(&n.to_le_bytes());
}

fn put32(v: &mut Vec<u8>, n: u32) {
    v.extend_from_slice(&n.to_le_bytes());
}

fn put64(v: &mut Vec<u8>, n: u64) {
    v.extend_from_slice(&n.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Read};

    fn archive(entries: &[Entry]) -> Vec<u8> {
        let mut zip = ZipOut::new(Vec::new());
        for e in entries {
            zip.add(e).unwrap();
        }
        zip.finish().unwrap()
    }

    #[test]
    fn another_zip_reader_reads_it_back() {
        let text = "Ἐν ἀρχῇ ἦν ὁ λόγος. ".repeat(500);
        let bytes = archive(&[
            Entry::stored("mimetype".into(), b"application/epub+zip".to_vec()),
            Entry::deflated(
                "EPUB/text/é.xhtml".into(),
                &[b"<p>", text.as_bytes(), b"</p>"],
            ),
            Entry::deflated("EPUB/empty.css".into(), &[]),
            Entry::for_media("EPUB/images/a.png".into(), "image/png", &[1, 2, 3]),
        ]);
        let mut zip = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
        assert_eq!(zip.len(), 4);
        let mut page = String::new();
        zip.by_name("EPUB/text/é.xhtml")
            .unwrap()
            .read_to_string(&mut page)
            .unwrap();
        assert_eq!(page, format!("<p>{text}</p>"));
        let png = zip.by_name("EPUB/images/a.png").unwrap();
        assert_eq!(png.compression(), zip::CompressionMethod::Stored);
        assert_eq!(png.unix_mode(), Some(0o100_644));
        drop(png);
        let first = zip.by_index(0).unwrap();
        assert_eq!(first.name().unwrap(), "mimetype");
        assert_eq!(first.compression(), zip::CompressionMethod::Stored);
        // `mimetype` at byte 30, with no extra field: what EPUB readers look for.
        assert_eq!(&bytes[30..58], b"mimetypeapplication/epub+zip");
    }

    #[test]
    fn zip64_end_records_when_there_are_many_entries() {
        let entries: Vec<Entry> = (0..70_000)
            .map(|i| Entry::stored(format!("f{i}"), Vec::new()))
            .collect();
        let bytes = archive(&entries);
        let zip = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
        assert_eq!(zip.len(), 70_000);
    }

    #[test]
    fn the_same_entries_give_the_same_bytes_on_any_thread() {
        let text = "word ".repeat(10_000);
        let here = archive(&[Entry::deflated("a".into(), &[text.as_bytes()])]);
        let there =
            std::thread::spawn(move || archive(&[Entry::deflated("a".into(), &[text.as_bytes()])]))
                .join()
                .unwrap();
        assert_eq!(here, there);
    }

    #[test]
    fn a_long_page_written_in_pieces_is_streamed_and_reads_back_whole() {
        use std::fmt::Write as _;
        let short = "<li>an entry</li>\n".repeat(100);
        let mut spill = Spill::new("short".into());
        let _ = spill.write_str(&short);
        let held = spill.finish().unwrap();
        // A short page is the entry a whole buffer makes.
        let whole = Entry::deflated("short".into(), &[short.as_bytes()]);
        assert_eq!(archive(&[held]), archive(&[whole]));

        let mut spill = Spill::new("long".into());
        let mut expected = String::new();
        for i in 0..60_000 {
            let _ = writeln!(spill, "<navPoint id=\"nav-{i}\">É {i}</navPoint>");
            let _ = writeln!(expected, "<navPoint id=\"nav-{i}\">É {i}</navPoint>");
        }
        assert!(expected.len() > 4 * SPILL);
        let bytes = archive(&[spill.finish().unwrap()]);
        let mut zip = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
        let mut page = String::new();
        // The reader checks the CRC and the size against the header's.
        zip.by_name("long")
            .unwrap()
            .read_to_string(&mut page)
            .unwrap();
        assert_eq!(page, expected);
    }
}
