//! Telegram's `parse_mode: "HTML"`: the supported tag subset, the four named
//! entities plus numeric ones, and Telegram's refusal of anything else, so a
//! bot that escapes user input badly fails here the way it would in production.

use serde_json::{Value, json};

/// A formatting span in UTF-16 code units, as the Bot API counts them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub kind: &'static str,
    pub offset: usize,
    pub length: usize,
    pub url: Option<String>,
    pub language: Option<String>,
}

impl Entity {
    pub fn to_json(&self) -> Value {
        let mut v = json!({"type": self.kind, "offset": self.offset, "length": self.length});
        if let Some(url) = &self.url {
            v["url"] = json!(url);
        }
        if let Some(language) = &self.language {
            v["language"] = json!(language);
        }
        v
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub text: String,
    pub entities: Vec<Entity>,
}

struct Open {
    tag: String,
    kind: Option<&'static str>,
    start: usize,
    url: Option<String>,
    language: Option<String>,
}

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// Parses Telegram-flavoured HTML into visible text and entities. The error
/// is the part after `Bad Request: can't parse entities: `.
pub fn parse(html: &str) -> Result<Parsed, String> {
    let bytes = html.as_bytes();
    let mut text = String::with_capacity(html.len());
    let mut units = 0usize;
    let mut stack: Vec<Open> = Vec::new();
    let mut entities = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'<' => {
                let close = html[i..]
                    .find('>')
                    .map(|p| i + p)
                    .ok_or_else(|| format!("Unclosed start tag at byte offset {i}"))?;
                let inner = &html[i + 1..close];
                if let Some(name) = inner.strip_prefix('/') {
                    let name = name.trim().to_ascii_lowercase();
                    let Some(open) = stack.pop() else {
                        return Err(format!("Unexpected end tag at byte offset {i}"));
                    };
                    if open.tag != name {
                        return Err(format!(
                            "Unmatched end tag at byte offset {i}, expected \"</{}>\", found \"</{name}>\"",
                            open.tag
                        ));
                    }
                    if let Some(kind) = open.kind
                        && units > open.start
                    {
                        entities.push(Entity {
                            kind,
                            offset: open.start,
                            length: units - open.start,
                            url: open.url,
                            language: open.language,
                        });
                    }
                } else {
                    let open = start_tag(inner, i, units, &mut stack)?;
                    stack.push(open);
                }
                i = close + 1;
            }
            b'&' => {
                let (decoded, consumed) = entity_at(&html[i..]);
                units += utf16_len(&decoded);
                text.push_str(&decoded);
                i += consumed;
            }
            _ => {
                let ch = html[i..].chars().next().expect("in bounds");
                units += ch.len_utf16();
                text.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!("Can't find end tag corresponding to start tag \"{}\"", open.tag));
    }
    entities.sort_by(|a, b| a.offset.cmp(&b.offset).then(b.length.cmp(&a.length)));
    Ok(Parsed { text, entities })
}

fn start_tag(inner: &str, at: usize, units: usize, stack: &mut [Open]) -> Result<Open, String> {
    let name_len = inner.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).unwrap_or(inner.len());
    let name = inner[..name_len].to_ascii_lowercase();
    let attrs = parse_attrs(&inner[name_len..]).ok_or_else(|| {
        format!(
            "Expected equal sign in declaration of an attribute of the tag \"{name}\" at byte offset {at}"
        )
    })?;
    let attr = |key: &str| attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let mut open = Open { tag: name.clone(), kind: None, start: units, url: None, language: None };
    open.kind = match name.as_str() {
        "b" | "strong" => Some("bold"),
        "i" | "em" => Some("italic"),
        "u" | "ins" => Some("underline"),
        "s" | "strike" | "del" => Some("strikethrough"),
        "tg-spoiler" => Some("spoiler"),
        "blockquote" if attr("expandable").is_some() => Some("expandable_blockquote"),
        "blockquote" => Some("blockquote"),
        "pre" => Some("pre"),
        "span" if attr("class").as_deref() == Some("tg-spoiler") => Some("spoiler"),
        "a" => {
            let href = attr("href").unwrap_or_default();
            if href.is_empty() {
                // Telegram keeps the text and drops a link without a target.
                None
            } else {
                open.url = Some(href);
                Some("text_link")
            }
        }
        "code" => {
            // `<pre><code class="language-x">` is one pre entity with a language.
            let language = attr("class").and_then(|c| c.strip_prefix("language-").map(str::to_owned));
            match stack.last_mut() {
                Some(parent) if parent.tag == "pre" && parent.start == units => {
                    parent.language = language;
                    None
                }
                _ => Some("code"),
            }
        }
        _ => {
            return Err(format!("Unsupported start tag \"{name}\" at byte offset {at}"));
        }
    };
    Ok(open)
}

/// `key="v" key='v' key=v key`, decoding entities inside values.
fn parse_attrs(s: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let key_len = rest.find(|c: char| c == '=' || c.is_whitespace()).unwrap_or(rest.len());
        let key = rest[..key_len].to_ascii_lowercase();
        if key.is_empty() {
            return None;
        }
        rest = rest[key_len..].trim_start();
        let Some(after_eq) = rest.strip_prefix('=') else {
            out.push((key, String::new()));
            continue;
        };
        let after_eq = after_eq.trim_start();
        let (raw, remaining) = match after_eq.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let body = &after_eq[1..];
                let end = body.find(q)?;
                (&body[..end], &body[end + 1..])
            }
            _ => {
                let end = after_eq.find(char::is_whitespace).unwrap_or(after_eq.len());
                (&after_eq[..end], &after_eq[end..])
            }
        };
        out.push((key, decode_entities(raw)));
        rest = remaining.trim_start();
    }
    Some(out)
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s.as_bytes()[i] == b'&' {
            let (decoded, consumed) = entity_at(&s[i..]);
            out.push_str(&decoded);
            i += consumed;
        } else {
            let ch = s[i..].chars().next().expect("in bounds");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// Decodes the entity at the start of `s` (which begins with `&`). Anything
/// Telegram does not recognise stays literal, as Telegram leaves it.
fn entity_at(s: &str) -> (String, usize) {
    let semi = s.char_indices().take(12).find(|(_, c)| *c == ';').map(|(at, _)| at);
    let Some(semi) = semi else {
        return ("&".to_owned(), 1);
    };
    let name = &s[1..semi];
    let decoded = match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()
            } else if let Some(dec) = name.strip_prefix('#') {
                dec.parse().ok()
            } else {
                None
            };
            code.and_then(char::from_u32)
        }
    };
    match decoded {
        Some(ch) => (ch.to_string(), semi + 1),
        None => ("&".to_owned(), 1),
    }
}

/// Telegram drops leading and trailing whitespace from message text; the
/// entities shift and shrink with it.
pub fn trim(parsed: Parsed) -> Parsed {
    let lead = parsed.text.len() - parsed.text.trim_start().len();
    let lead_units = utf16_len(&parsed.text[..lead]);
    let text = parsed.text.trim().to_owned();
    let total = utf16_len(&text);
    let entities = parsed
        .entities
        .into_iter()
        .filter_map(|mut e| {
            let start = e.offset.saturating_sub(lead_units).min(total);
            let end = (e.offset + e.length).saturating_sub(lead_units).min(total);
            (end > start).then(|| {
                e.offset = start;
                e.length = end - start;
                e
            })
        })
        .collect();
    Parsed { text, entities }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_entities() {
        let p =
            parse("<b>Сәлем</b>, &lt;b&gt; &amp; <a href=\"https://x.kz/?a=1&amp;b=2\">link</a>").unwrap();
        assert_eq!(p.text, "Сәлем, <b> & link");
        assert_eq!(p.entities[0], Entity { kind: "bold", offset: 0, length: 5, url: None, language: None });
        assert_eq!(p.entities[1].kind, "text_link");
        assert_eq!(p.entities[1].url.as_deref(), Some("https://x.kz/?a=1&b=2"));
    }

    #[test]
    fn offsets_are_utf16() {
        let p = parse("😀 <i>x</i>").unwrap();
        assert_eq!(p.entities[0].offset, 3);
    }

    #[test]
    fn pre_with_language() {
        let p = parse("<pre><code class=\"language-rust\">fn</code></pre>").unwrap();
        assert_eq!(p.entities.len(), 1);
        assert_eq!(p.entities[0].language.as_deref(), Some("rust"));
    }

    #[test]
    fn rejects_bad_markup() {
        assert!(parse("<b>x").unwrap_err().starts_with("Can't find end tag"));
        assert!(parse("<b>x</i>").unwrap_err().starts_with("Unmatched end tag"));
        assert!(parse("x</b>").unwrap_err().starts_with("Unexpected end tag"));
        assert!(parse("<div>x</div>").unwrap_err().starts_with("Unsupported start tag \"div\""));
        assert!(parse("a < b").is_err());
        assert!(parse("a <b").is_err());
    }

    #[test]
    fn unknown_entities_stay_literal() {
        assert_eq!(parse("&nbsp; &#65; &#x42;").unwrap().text, "&nbsp; A B");
    }

    #[test]
    fn trimming_shifts_entities() {
        let p = trim(parse("\n  <b>hi</b>  \n").unwrap());
        assert_eq!(p.text, "hi");
        assert_eq!((p.entities[0].offset, p.entities[0].length), (0, 2));
    }
}
