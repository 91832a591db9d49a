//! Just enough HTTP/1.1 for a preview on this computer: one `GET` or `HEAD` per connection,
//! answered in full and closed. No request body, no keep-alive, no chunks. A client has a
//! deadline for its whole request head and for reading the whole response, not for each read:
//! one that trickles a byte at a time cannot hold a connection for longer.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Longest request head read; a browser's is a few hundred bytes.
const HEAD_LIMIT: usize = 16 * 1024;
/// How long a client has to send its whole request head (a browser sends it at once).
pub const HEAD_DEADLINE: Duration = Duration::from_secs(10);
/// How long a client has to take a response, plus a second for every [`RESPONSE_RATE`] bytes
/// of it: the largest book still goes out over a slow network, and a client that does not
/// read cannot hold its connection for ever.
const RESPONSE_DEADLINE: Duration = Duration::from_secs(10);
const RESPONSE_RATE: usize = 1024 * 1024;

/// What was asked for.
pub struct Request {
    pub head_only: bool,
    /// The path, percent-decoded, without query or fragment: `/text/a.xhtml`.
    pub path: String,
    /// The `Host` header, if any.
    pub host: Option<String>,
}

/// A response, written whole.
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub location: Option<String>,
}

impl Response {
    pub fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            content_type,
            body: body.into(),
            location: None,
        }
    }

    /// A short plain-text answer (an error).
    pub fn text(status: u16, text: &'static str) -> Response {
        Response::new(status, "text/plain; charset=utf-8", text)
    }
}

/// Reads the request head, which must be whole by `deadline`. `Err` holds the response for a
/// request that cannot be served.
pub fn read(mut stream: &TcpStream, deadline: Instant) -> Result<Request, Response> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0; 2048];
    let end = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        // A zero timeout would mean none at all.
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return Err(Response::text(408, "the request took too long\n"));
        }
        let n = match stream.read(&mut chunk) {
            Ok(0) => return Err(Response::text(400, "bad request\n")),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return Err(Response::text(408, "the request took too long\n")),
        };
        // Only the new bytes, and the two before them, can complete the blank line.
        let from = head.len().saturating_sub(2);
        head.extend_from_slice(&chunk[..n]);
        if let Some(end) = head_end(&head[from..]) {
            break from + end;
        }
        if head.len() > HEAD_LIMIT {
            return Err(Response::text(431, "the request head is too long\n"));
        }
    };
    if end > HEAD_LIMIT {
        return Err(Response::text(431, "the request head is too long\n"));
    }
    parse(&String::from_utf8_lossy(&head[..end]))
}

/// Where the head in `bytes` ends (after its blank line, `\r\n` or a bare `\n`), if it does.
fn head_end(bytes: &[u8]) -> Option<usize> {
    (0..bytes.len()).find_map(|i| match &bytes[i..] {
        [b'\n', b'\n', ..] => Some(i + 2),
        [b'\n', b'\r', b'\n', ..] => Some(i + 3),
        _ => None,
    })
}

/// The request line and the `Host` header of a whole head.
fn parse(head: &str) -> Result<Request, Response> {
    let bad = || Response::text(400, "bad request\n");
    let mut lines = head.lines();
    let line = lines.next().ok_or_else(bad)?;
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    if !version.starts_with("HTTP/1.") {
        return Err(Response::text(505, "HTTP/1.x only\n"));
    }
    let head_only = match method {
        "GET" => false,
        "HEAD" => true,
        _ => return Err(Response::text(405, "only GET and HEAD\n")),
    };
    let host = lines.find_map(|header| {
        let (name, value) = header.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("host")
            .then(|| value.trim().to_string())
    });
    let raw = target.split(['?', '#']).next().unwrap_or("/");
    let path = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| bad())?
        .into_owned();
    if !path.starts_with('/') {
        return Err(bad());
    }
    Ok(Request {
        head_only,
        path,
        host,
    })
}

/// Writes the response, within a deadline that grows with its size, and closes the connection.
pub fn write(mut stream: &TcpStream, response: &Response, head_only: bool) {
    let reason = match response.status {
        200 => "OK",
        303 => "See Other",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Error",
    };
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n",
        response.status,
        response.content_type,
        response.body.len()
    );
    if let Some(location) = &response.location {
        head.push_str(&format!("Location: {location}\r\n"));
    }
    head.push_str("\r\n");
    let body: &[u8] = if head_only { &[] } else { &response.body };
    let allowed = RESPONSE_DEADLINE
        + Duration::from_secs(u64::try_from(body.len() / RESPONSE_RATE).unwrap_or(u64::MAX));
    let deadline = Instant::now() + allowed;
    for mut part in [head.as_bytes(), body] {
        while !part.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || stream.set_write_timeout(Some(left)).is_err() {
                return;
            }
            match stream.write(&part[..part.len().min(64 * 1024)]) {
                Ok(0) => return,
                Ok(n) => part = &part[n..],
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return,
            }
        }
    }
    let _ = stream.flush();
}

/// Whether a `Host` header names this computer. A page on another site that makes its name
/// point at 127.0.0.1 (DNS rebinding) sends its own name, and is refused the unpublished book.
pub fn is_local_host(host: &str) -> bool {
    let name = host_name(host);
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The name in a `Host` header, without its port or an IPv6 address's brackets:
/// `localhost:3000` → `localhost`, `[::1]:3000` and `[::1]` → `::1`.
pub fn host_name(host: &str) -> &str {
    match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// What `read` makes of a client that sends `parts`, a pause between each.
    fn read_sent(parts: &[&[u8]], pause: Duration, deadline: Duration) -> Result<Request, u16> {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        let parts: Vec<Vec<u8>> = parts.iter().map(|p| p.to_vec()).collect();
        let sender = std::thread::spawn(move || {
            for part in parts {
                std::thread::sleep(pause);
                if client.write_all(&part).is_err() {
                    break;
                }
            }
            // Held open until the server is done with it.
            let _ = client.read(&mut [0; 1]);
        });
        let read = read(&server, Instant::now() + deadline).map_err(|r| r.status);
        drop(server);
        sender.join().unwrap();
        read
    }

    #[test]
    fn request_heads() {
        let quick = Duration::from_millis(1);
        let long = Duration::from_secs(10);
        let request = read_sent(
            &[
                b"GET /a%20b?x=1 HTTP/1.1\r",
                b"\nHost: example.org\r\n",
                b"\r",
                b"\n",
            ],
            quick,
            long,
        )
        .unwrap();
        assert_eq!(request.path, "/a b");
        assert_eq!(request.host.as_deref(), Some("example.org"));
        assert!(!request.head_only);
        let bare = read_sent(&[b"HEAD / HTTP/1.0\n\n"], quick, long).unwrap();
        assert!(bare.head_only && bare.host.is_none());
        assert_eq!(
            read_sent(&[b"POST / HTTP/1.1\r\n\r\n"], quick, long).err(),
            Some(405)
        );
        let huge = vec![b'a'; HEAD_LIMIT + 10];
        assert_eq!(
            read_sent(&[b"GET / HTTP/1.1\r\nX: ", &huge], quick, long).err(),
            Some(431)
        );
        // Each byte in time for a per-read timeout, the whole too late.
        let trickle: Vec<&[u8]> = b"GET / HTTP/1.1\r\n\r\n".chunks(1).collect();
        let started = Instant::now();
        assert_eq!(
            read_sent(
                &trickle,
                Duration::from_millis(100),
                Duration::from_millis(500)
            )
            .err(),
            Some(408)
        );
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn local_hosts() {
        for h in [
            "localhost:3000",
            "127.0.0.1:80",
            "127.0.0.1",
            "[::1]:3000",
            "LOCALHOST",
        ] {
            assert!(is_local_host(h), "{h}");
        }
        for h in [
            "evil.example:3000",
            "10.0.0.1:3000",
            "localhost.evil.example",
        ] {
            assert!(!is_local_host(h), "{h}");
        }
        for (h, name) in [
            ("example.org:3000", "example.org"),
            ("example.org", "example.org"),
            ("[fe80::1]:3000", "fe80::1"),
            ("[fe80::1]", "fe80::1"),
        ] {
            assert_eq!(host_name(h), name);
        }
    }
}
