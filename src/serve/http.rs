//! Just enough HTTP/1.1 for a preview on this computer: one `GET` or `HEAD` per connection,
//! answered in full and closed. No request body, no keep-alive, no chunks.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

/// Longest request head read; a browser's is a few hundred bytes.
const HEAD_LIMIT: u64 = 16 * 1024;

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
}

/// Reads the request head. `Err` holds the response for a request that cannot be served.
pub fn read(stream: &TcpStream) -> Result<Request, Response> {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let bad = |status: u16, why: &str| Response::new(status, "text/plain; charset=utf-8", why);
    let mut reader = BufReader::new(std::io::Read::take(stream, HEAD_LIMIT));
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() || !line.ends_with('\n') {
        return Err(bad(400, "bad request\n"));
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(bad(400, "bad request\n"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(bad(505, "HTTP/1.x only\n"));
    }
    let head_only = match method {
        "GET" => false,
        "HEAD" => true,
        _ => return Err(bad(405, "only GET and HEAD\n")),
    };
    let mut host = None;
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => return Err(bad(400, "bad request\n")),
            Ok(_) if header.trim().is_empty() => break,
            Ok(_) => {
                if let Some((name, value)) = header.split_once(':')
                    && name.trim().eq_ignore_ascii_case("host")
                {
                    host = Some(value.trim().to_string());
                }
            }
        }
    }
    let raw = target.split(['?', '#']).next().unwrap_or("/");
    let path = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| bad(400, "bad request\n"))?
        .into_owned();
    if !path.starts_with('/') {
        return Err(bad(400, "bad request\n"));
    }
    Ok(Request {
        head_only,
        path,
        host,
    })
}

/// Writes the response and closes the connection.
pub fn write(mut stream: &TcpStream, response: &Response, head_only: bool) {
    let reason = match response.status {
        200 => "OK",
        303 => "See Other",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
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
    let _ = stream.write_all(head.as_bytes());
    if !head_only {
        let _ = stream.write_all(&response.body);
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
