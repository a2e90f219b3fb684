//! Plain HTTP/1.1 over std's TCP, both ways: a client for requests to our own server and to
//! nginx, and the small local servers the benchmarks point probes and alerts at.
//!
//! xtask stays std-only so that it compiles in seconds on a fresh machine; every answer
//! here is small and local, one request per connection (`Connection: close`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use crate::Result;

/// How long a read may stall before the request is given up.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// `GET http://ADDR/PATH`.
pub fn get(addr: &str, path: &str) -> Result<Response> {
    request(addr, path, &[])
}

/// `GET http://ADDR/PATH` with extra request `headers`, on a fresh connection; a chunked
/// body is joined.
pub fn request(addr: &str, path: &str, headers: &[(&str, &str)]) -> Result<Response> {
    send(addr, "GET", path, headers, None)
}

/// `METHOD http://ADDR/PATH` with `headers` and, if given, a JSON `body`, on a fresh
/// connection; a chunked answer is joined.
pub fn send(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Result<Response> {
    let fail = |e: std::io::Error| format!("{method} http://{addr}{path}: {e}");
    let mut stream = TcpStream::connect(addr).map_err(fail)?;
    stream.set_read_timeout(Some(READ_TIMEOUT)).map_err(fail)?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    head.push_str(body.unwrap_or_default());
    stream.write_all(head.as_bytes()).map_err(fail)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(fail)?;
    parse_response(&raw).map_err(|e| format!("{method} http://{addr}{path}: {e}"))
}

fn parse_response(raw: &[u8]) -> std::result::Result<Response, &'static str> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no end of headers")?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or("no status line")?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| {
            let (name, value) = l.split_once(':')?;
            Some((name.trim().to_string(), value.trim().to_string()))
        })
        .collect();
    let mut response = Response {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    };
    if response
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        response.body = dechunk(&response.body).ok_or("bad chunked body")?;
    }
    Ok(response)
}

fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&body[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(body.get(..size)?);
        body = body.get(size + 2..)?;
    }
}

/// Listens on a free port on 127.0.0.1 and hands every connection to `handle` on a thread
/// of its own (probes open a new connection each time, and some stall on purpose).
/// Returns `http://127.0.0.1:PORT`; the listener lives as long as this process.
pub fn serve_local(handle: impl Fn(TcpStream) + Send + Sync + 'static) -> Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot listen: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let handle = Arc::new(handle);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let handle = handle.clone();
            std::thread::spawn(move || handle(stream));
        }
    });
    Ok(format!("http://{addr}"))
}

/// One request as a local server received it.
pub struct Request {
    pub path: String,
    /// Header names in lower case, values trimmed.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// Reads one request from `stream`, its body up to `max_body` bytes; `None` when the
    /// peer closes without sending one (as a TCP probe does).
    pub fn read(stream: &TcpStream, max_body: usize) -> Option<Request> {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let mut reader = BufReader::new(stream.try_clone().ok()?);
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return None;
        }
        let mut headers = Vec::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
            }
        }
        let length = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; length.min(max_body)];
        let _ = reader.read_exact(&mut body);
        Some(Request {
            path: line.split_whitespace().nth(1).unwrap_or("/").to_string(),
            headers,
            body,
        })
    }

    /// The value of header `name` (lower case), or "".
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// Answers with `status` (e.g. "200 OK") and a JSON `body`, then closes.
pub fn respond(mut stream: TcpStream, status: &str, body: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_are_joined() {
        assert_eq!(
            dechunk(b"5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n").as_deref(),
            Some(&b"hello world"[..])
        );
        assert_eq!(dechunk(b"5\r\nhel"), None);
    }

    #[test]
    fn a_local_server_gets_what_the_client_sends() {
        let base = serve_local(|stream| {
            let Some(request) = Request::read(&stream, 1024) else {
                return;
            };
            let answer = format!(
                "{{\"path\":\"{}\",\"accept\":\"{}\"}}",
                request.path,
                request.header("accept-encoding")
            );
            respond(stream, "201 Created", &answer);
        })
        .unwrap();
        let addr = base.trim_start_matches("http://");
        let response = request(addr, "/a/b?c=1", &[("Accept-Encoding", "br")]).unwrap();
        assert_eq!(response.status, 201);
        assert_eq!(response.header("content-type"), Some("application/json"));
        assert_eq!(response.text(), r#"{"path":"/a/b?c=1","accept":"br"}"#);
    }
}
