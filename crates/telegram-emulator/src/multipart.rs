//! Just enough `multipart/form-data` for the parameters teloxide sends that
//! way (setWebhook always, because it may carry a certificate). File parts
//! are kept only by name: the emulator stores no files.

/// One form field; a file upload becomes its file name.
pub fn parse(content_type: &str, body: &[u8]) -> Result<Vec<(String, String)>, String> {
    let boundary = content_type
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("boundary="))
        .next()
        .map(|b| b.trim_matches('"'))
        .filter(|b| !b.is_empty())
        .ok_or("multipart boundary is missing")?;
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();

    let mut fields = Vec::new();
    let mut rest = match find(body, delimiter) {
        Some(at) => &body[at + delimiter.len()..],
        None => return Err("multipart body has no boundary".to_owned()),
    };
    loop {
        if rest.starts_with(b"--") {
            return Ok(fields);
        }
        let part_start = rest.strip_prefix(b"\r\n").unwrap_or(rest);
        let end = find(part_start, delimiter).ok_or("multipart body is not terminated")?;
        let part = &part_start[..end];
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        fields.push(field(part)?);
        rest = &part_start[end + delimiter.len()..];
    }
}

fn field(part: &[u8]) -> Result<(String, String), String> {
    let split = find(part, b"\r\n\r\n").ok_or("multipart part without headers")?;
    let headers = String::from_utf8_lossy(&part[..split]);
    let content = &part[split + 4..];
    let disposition = headers
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
        .ok_or("multipart part without Content-Disposition")?;
    let param = |key: &str| {
        disposition.split(';').find_map(|p| {
            p.trim()
                .strip_prefix(key)
                .and_then(|v| v.strip_prefix('='))
                .map(|v| v.trim_matches('"').to_owned())
        })
    };
    let name = param("name").ok_or("multipart part without a name")?;
    let value = match param("filename") {
        Some(file) => file,
        None => String::from_utf8(content.to_vec()).map_err(|_| format!("field {name} is not UTF-8"))?,
    };
    Ok((name, value))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_file_fields() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"url\"\r\n\r\nhttps://a.kz/h\r\n--XyZ\r\nContent-Disposition: form-data; name=\"certificate\"; filename=\"cert.pem\"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\x01\r\n--XyZ--\r\n";
        let fields = parse("multipart/form-data; boundary=XyZ", body).unwrap();
        assert_eq!(
            fields,
            vec![
                ("url".to_owned(), "https://a.kz/h".to_owned()),
                ("certificate".to_owned(), "cert.pem".to_owned())
            ]
        );
    }

    #[test]
    fn malformed_bodies_are_errors() {
        assert!(parse("multipart/form-data", b"").is_err());
        assert!(parse("multipart/form-data; boundary=b", b"--b\r\nno headers").is_err());
    }
}
