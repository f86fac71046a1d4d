//! The official Bot API description (`assets/api.json`, the
//! PaulSonOfLars/telegram-bot-api-spec format) as the single source of truth for
//! which methods exist, what they accept and what Telegram's objects must carry.
//!
//! Two directions use it: requests from the bot are *coerced* the way Telegram
//! does (form fields are strings, nested objects may arrive JSON-encoded), and
//! what the emulator itself produces is checked *strictly*, so a hand-built
//! update can never drift from what real Telegram would send.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::{Map, Value};

const SPEC_JSON: &str = include_str!("../assets/api.json");

static SPEC: LazyLock<Spec> = LazyLock::new(|| Spec::parse(SPEC_JSON));

/// The parsed spec, built on first use.
pub fn spec() -> &'static Spec {
    &SPEC
}

#[derive(Debug, Deserialize)]
struct RawSpec {
    version: String,
    methods: BTreeMap<String, RawEntry>,
    types: BTreeMap<String, RawEntry>,
}

#[derive(Debug, Deserialize)]
struct RawEntry {
    #[serde(default)]
    fields: Vec<RawField>,
    #[serde(default)]
    subtypes: Vec<String>,
    #[serde(default)]
    returns: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RawField {
    name: String,
    types: Vec<String>,
    required: bool,
    #[serde(default)]
    description: String,
}

#[derive(Debug)]
pub struct Spec {
    pub version: String,
    methods: HashMap<String, MethodSpec>,
    /// Telegram matches method names case-insensitively.
    methods_lower: HashMap<String, String>,
    types: HashMap<String, TypeSpec>,
}

#[derive(Debug)]
pub struct MethodSpec {
    pub name: String,
    pub fields: Vec<FieldSpec>,
    pub returns: Vec<Ty>,
}

#[derive(Debug)]
pub struct TypeSpec {
    pub name: String,
    pub fields: Vec<FieldSpec>,
    pub subtypes: Vec<String>,
    /// For members of a union: the field and the constant value that select
    /// this member ("type" = "chat" for BotCommandScopeChat), read from the
    /// field description because the JSON spec has no dedicated key for it.
    pub discriminator: Option<(String, String)>,
}

#[derive(Debug)]
pub struct FieldSpec {
    pub name: String,
    pub types: Vec<Ty>,
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    Integer,
    Float,
    String,
    Boolean,
    Array(Box<Ty>),
    Named(String),
}

impl Ty {
    fn parse(s: &str) -> Ty {
        if let Some(inner) = s.strip_prefix("Array of ") {
            return Ty::Array(Box::new(Ty::parse(inner)));
        }
        match s {
            "Integer" | "Int" => Ty::Integer,
            "Float" | "Float number" => Ty::Float,
            "String" => Ty::String,
            "Boolean" | "True" | "False" => Ty::Boolean,
            other => Ty::Named(other.to_owned()),
        }
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Integer => f.write_str("Integer"),
            Ty::Float => f.write_str("Float"),
            Ty::String => f.write_str("String"),
            Ty::Boolean => f.write_str("Boolean"),
            Ty::Array(inner) => write!(f, "Array of {inner}"),
            Ty::Named(name) => f.write_str(name),
        }
    }
}

fn describe(types: &[Ty]) -> String {
    types.iter().map(ToString::to_string).collect::<Vec<_>>().join(" or ")
}

/// `Type of the chat, always "user"` / `Scope type, must be chat`.
fn discriminator_value(description: &str) -> Option<String> {
    if let Some(rest) = description.split("always \"").nth(1) {
        return rest.split('"').next().map(str::to_owned);
    }
    if let Some(rest) = description.split("always “").nth(1) {
        return rest.split('”').next().map(str::to_owned);
    }
    let rest = description.split("must be ").nth(1)?;
    let word: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    (!word.is_empty()).then_some(word)
}

impl Spec {
    fn parse(json: &str) -> Spec {
        let raw: RawSpec = serde_json::from_str(json).expect("assets/api.json is valid");
        let convert = |fields: &[RawField]| {
            fields
                .iter()
                .map(|f| FieldSpec {
                    name: f.name.clone(),
                    types: f.types.iter().map(|t| Ty::parse(t)).collect(),
                    required: f.required,
                })
                .collect::<Vec<_>>()
        };
        let union_members: Vec<&String> = raw.types.values().flat_map(|t| &t.subtypes).collect();
        let types = raw
            .types
            .iter()
            .map(|(name, entry)| {
                let discriminator = if union_members.contains(&name) {
                    entry.fields.first().and_then(|f| {
                        let is_tag = matches!(f.name.as_str(), "type" | "status" | "source");
                        is_tag
                            .then(|| discriminator_value(&f.description))
                            .flatten()
                            .map(|v| (f.name.clone(), v))
                    })
                } else {
                    None
                };
                let spec = TypeSpec {
                    name: name.clone(),
                    fields: convert(&entry.fields),
                    subtypes: entry.subtypes.clone(),
                    discriminator,
                };
                (name.clone(), spec)
            })
            .collect();
        let methods: HashMap<String, MethodSpec> = raw
            .methods
            .iter()
            .map(|(name, entry)| {
                let spec = MethodSpec {
                    name: name.clone(),
                    fields: convert(&entry.fields),
                    returns: entry.returns.iter().map(|t| Ty::parse(t)).collect(),
                };
                (name.clone(), spec)
            })
            .collect();
        let methods_lower = methods.keys().map(|k| (k.to_ascii_lowercase(), k.clone())).collect();
        Spec { version: raw.version, methods, methods_lower, types }
    }

    /// The method as the spec spells it, whatever case the caller used.
    pub fn method(&self, name: &str) -> Option<&MethodSpec> {
        let canonical = self.methods_lower.get(&name.to_ascii_lowercase())?;
        self.methods.get(canonical)
    }

    pub fn type_spec(&self, name: &str) -> Option<&TypeSpec> {
        self.types.get(name)
    }

    pub fn method_count(&self) -> usize {
        self.methods.len()
    }
}

/// Why a request parameter was refused; rendered in Telegram's wording by
/// [`ParamError::description`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamError {
    Missing { param: String, path: String },
    WrongType { param: String, path: String, expected: String },
    UnknownField { param: String, path: String },
    BadValue { param: String, path: String, detail: String },
}

impl ParamError {
    pub fn param(&self) -> &str {
        match self {
            ParamError::Missing { param, .. }
            | ParamError::WrongType { param, .. }
            | ParamError::UnknownField { param, .. }
            | ParamError::BadValue { param, .. } => param,
        }
    }

    pub fn description(&self) -> String {
        match self {
            ParamError::Missing { param, path } if param == path => {
                format!("Bad Request: {param} is empty")
            }
            ParamError::Missing { param, path } => {
                format!("Bad Request: can't parse {param}: field \"{path}\" is required")
            }
            ParamError::WrongType { param, path, expected } if param == path => {
                format!("Bad Request: wrong type of parameter \"{param}\": expected {expected}")
            }
            ParamError::WrongType { param, path, expected } => {
                format!("Bad Request: can't parse {param}: field \"{path}\" must be of type {expected}")
            }
            ParamError::UnknownField { param, path } => {
                format!("Bad Request: can't parse {param}: unknown field \"{path}\"")
            }
            ParamError::BadValue { param, path, detail } => {
                format!("Bad Request: can't parse {param}: field \"{path}\" {detail}")
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Requests: accept what Telegram accepts (numbers as strings, JSON-encoded
    /// objects, null as absent) and normalise it.
    Lenient,
    /// Our own output: exact JSON types, no nulls, nothing unknown.
    Strict,
}

struct Walker<'a> {
    spec: &'a Spec,
    mode: Mode,
    param: &'a str,
}

/// Validates and normalises a request's parameters against the method's spec.
/// Unknown top-level parameters are kept (Telegram ignores them); nested objects
/// must use known fields only, since a misspelt button field is a bug.
pub fn validate_params(
    method: &MethodSpec,
    mut params: Map<String, Value>,
) -> Result<Map<String, Value>, ParamError> {
    let spec = spec();
    for field in &method.fields {
        let value = params.remove(&field.name).filter(|v| !v.is_null());
        let Some(value) = value else {
            if field.required {
                return Err(ParamError::Missing { param: field.name.clone(), path: field.name.clone() });
            }
            continue;
        };
        let walker = Walker { spec, mode: Mode::Lenient, param: &field.name };
        let normalised = walker.any_of(&field.types, value, &field.name)?;
        params.insert(field.name.clone(), normalised);
    }
    Ok(params)
}

/// Checks a value the emulator produces (an Update, a Message, a method result)
/// against the spec: every required field present, every field known and of
/// the right JSON type, recursively. `type_expr` is a spec type such as
/// `"Update"`, `"Array of Update"` or `"Boolean"`.
pub fn check_produced(type_expr: &str, value: &Value) -> Result<(), String> {
    check_produced_any(&[Ty::parse(type_expr)], value)
}

/// Checks a successful result of `method` against the method's `returns`.
pub fn check_method_result(method: &str, value: &Value) -> Result<(), String> {
    let m = spec().method(method).ok_or_else(|| format!("unknown method {method}"))?;
    check_produced_any(&m.returns, value)
}

fn check_produced_any(types: &[Ty], value: &Value) -> Result<(), String> {
    let walker = Walker { spec: spec(), mode: Mode::Strict, param: "result" };
    walker.any_of(types, value.clone(), "result").map(|_| ()).map_err(|e| e.description())
}

impl Walker<'_> {
    fn wrong(&self, types: &[Ty], path: &str) -> ParamError {
        ParamError::WrongType {
            param: self.param.to_owned(),
            path: path.to_owned(),
            expected: describe(types),
        }
    }

    fn any_of(&self, types: &[Ty], value: Value, path: &str) -> Result<Value, ParamError> {
        if let [ty] = types {
            return self.one(ty, value, path);
        }
        // A form field holds the object as JSON text; judge what it encodes.
        let decoded = match &value {
            Value::String(s) if self.mode == Mode::Lenient => serde_json::from_str(s).ok(),
            _ => None,
        };
        let shape = decoded.as_ref().unwrap_or(&value);
        let mut best: Option<(usize, ParamError)> = None;
        for ty in types {
            match self.one(ty, value.clone(), path) {
                Ok(v) => return Ok(v),
                Err(e) => {
                    let score = self.affinity(ty, shape);
                    if best.as_ref().is_none_or(|(s, _)| score > *s) {
                        best = Some((score, e));
                    }
                }
            }
        }
        match best {
            // A structural error deep inside the likeliest alternative says more
            // than "must be A or B or C".
            Some((score, e)) if score > 0 => Err(e),
            _ => Err(self.wrong(types, path)),
        }
    }

    /// How plausibly `value` was meant as `ty`: the number of its keys that
    /// `ty` knows. Used to report the error of the intended union member.
    fn affinity(&self, ty: &Ty, value: &Value) -> usize {
        let (Ty::Named(name), Value::Object(obj)) = (ty, value) else {
            return 0;
        };
        let Some(t) = self.spec.type_spec(name) else {
            return 0;
        };
        if !t.subtypes.is_empty() {
            return t.subtypes.iter().map(|s| self.affinity(&Ty::Named(s.clone()), value)).max().unwrap_or(0);
        }
        obj.keys().filter(|k| t.fields.iter().any(|f| &f.name == *k)).count()
    }

    fn one(&self, ty: &Ty, value: Value, path: &str) -> Result<Value, ParamError> {
        let lenient = self.mode == Mode::Lenient;
        match (ty, value) {
            (Ty::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(Value::Number(n)),
            (Ty::Integer, Value::String(s)) if lenient => s
                .trim()
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| self.wrong(std::slice::from_ref(ty), path)),
            (Ty::Float, Value::Number(n)) => Ok(Value::Number(n)),
            (Ty::Float, Value::String(s)) if lenient => s
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| self.wrong(std::slice::from_ref(ty), path)),
            (Ty::Boolean, Value::Bool(b)) => Ok(Value::Bool(b)),
            (Ty::Boolean, Value::String(s)) if lenient => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(Value::Bool(true)),
                "false" | "0" => Ok(Value::Bool(false)),
                _ => Err(self.wrong(std::slice::from_ref(ty), path)),
            },
            (Ty::String, Value::String(s)) => Ok(Value::String(s)),
            // Telegram stringifies numbers passed where it expects a string.
            (Ty::String, Value::Number(n)) if lenient => Ok(Value::String(n.to_string())),
            (Ty::Array(inner), Value::Array(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, item)| {
                    if item.is_null() {
                        return Err(self.wrong(std::slice::from_ref(inner), &format!("{path}[{i}]")));
                    }
                    self.one(inner, item, &format!("{path}[{i}]"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            (Ty::Named(name), value) => self.named(name, value, path),
            // Form fields and even JSON bodies may carry nested values as JSON text.
            (Ty::Array(_), Value::String(s)) if lenient => match serde_json::from_str::<Value>(&s) {
                Ok(parsed @ Value::Array(_)) => self.one(ty, parsed, path),
                _ => Err(self.wrong(std::slice::from_ref(ty), path)),
            },
            _ => Err(self.wrong(std::slice::from_ref(ty), path)),
        }
    }

    fn named(&self, name: &str, value: Value, path: &str) -> Result<Value, ParamError> {
        let ty = Ty::Named(name.to_owned());
        let Some(t) = self.spec.type_spec(name) else {
            return Err(self.wrong(&[ty], path));
        };
        let value = match value {
            Value::String(s) if self.mode == Mode::Lenient && name != "InputFile" => {
                match serde_json::from_str::<Value>(&s) {
                    Ok(parsed @ Value::Object(_)) => parsed,
                    _ => return Err(self.wrong(&[ty], path)),
                }
            }
            other => other,
        };
        if !t.subtypes.is_empty() {
            return self.union(t, value, path);
        }
        if t.fields.is_empty() {
            // InputFile is an upload or a file_id/URL string; the others are
            // empty placeholder objects (CallbackGame, VideoChatStarted...).
            return match (name, value) {
                ("InputFile", v @ Value::String(_)) => Ok(v),
                (_, v @ Value::Object(_)) if name != "InputFile" => Ok(v),
                _ => Err(self.wrong(&[ty], path)),
            };
        }
        let Value::Object(mut obj) = value else {
            return Err(self.wrong(&[ty], path));
        };
        let mut out = Map::new();
        for field in &t.fields {
            let v = obj.remove(&field.name);
            let v = match v {
                Some(Value::Null) if self.mode == Mode::Lenient => None,
                other => other,
            };
            // Built only when needed: most of a type's fields are absent.
            let field_path = || format!("{path}.{}", field.name);
            match v {
                None if field.required => {
                    return Err(ParamError::Missing { param: self.param.to_owned(), path: field_path() });
                }
                None => {}
                Some(Value::Null) => return Err(self.wrong(&field.types, &field_path())),
                Some(v) => {
                    let normalised = self.any_of(&field.types, v, &field_path())?;
                    out.insert(field.name.clone(), normalised);
                }
            }
        }
        if let Some(unknown) = obj.keys().next() {
            return Err(ParamError::UnknownField {
                param: self.param.to_owned(),
                path: format!("{path}.{unknown}"),
            });
        }
        if let Some((field, expected)) = &t.discriminator {
            let actual = out.get(field).and_then(Value::as_str);
            if actual != Some(expected.as_str()) {
                return Err(ParamError::BadValue {
                    param: self.param.to_owned(),
                    path: format!("{path}.{field}"),
                    detail: format!("must be \"{expected}\""),
                });
            }
        }
        Ok(Value::Object(out))
    }

    fn union(&self, t: &TypeSpec, value: Value, path: &str) -> Result<Value, ParamError> {
        // A tagged union is decided by its tag, so the error names the member
        // the caller meant instead of the first member tried.
        let tagged: Vec<&TypeSpec> = t
            .subtypes
            .iter()
            .filter_map(|s| self.spec.type_spec(s))
            .filter(|s| s.discriminator.is_some())
            .collect();
        if tagged.len() == t.subtypes.len() {
            let (field, _) = tagged[0].discriminator.as_ref().expect("filtered");
            let tag = value.get(field).and_then(Value::as_str).map(str::to_owned);
            let Some(tag) = tag else {
                return Err(ParamError::Missing {
                    param: self.param.to_owned(),
                    path: format!("{path}.{field}"),
                });
            };
            return match tagged.iter().find(|s| s.discriminator.as_ref().is_some_and(|(_, v)| *v == tag)) {
                Some(member) => self.named(&member.name, value, path),
                None => Err(ParamError::BadValue {
                    param: self.param.to_owned(),
                    path: format!("{path}.{field}"),
                    detail: format!("has unsupported value \"{tag}\""),
                }),
            };
        }
        let members: Vec<Ty> = t.subtypes.iter().map(|s| Ty::Named(s.clone())).collect();
        self.any_of(&members, value, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(v: Value) -> Map<String, Value> {
        v.as_object().cloned().expect("object")
    }

    #[test]
    fn spec_loads_with_methods_and_unions() {
        let s = spec();
        assert!(s.method_count() > 150);
        assert!(s.method("sendmessage").is_some());
        let chat = s.type_spec("BotCommandScopeChat").expect("type");
        assert_eq!(chat.discriminator, Some(("type".to_owned(), "chat".to_owned())));
    }

    #[test]
    fn form_strings_are_coerced() {
        let m = spec().method("sendMessage").expect("method");
        let out = validate_params(
            m,
            params(json!({"chat_id": "42", "text": "hi",
                "reply_markup": "{\"inline_keyboard\":[[{\"text\":\"a\",\"callback_data\":\"b\"}]]}"})),
        )
        .expect("valid");
        assert_eq!(out["chat_id"], json!(42));
        assert_eq!(out["reply_markup"]["inline_keyboard"][0][0]["callback_data"], json!("b"));
    }

    #[test]
    fn nested_errors_name_the_path() {
        let m = spec().method("sendMessage").expect("method");
        let err = validate_params(
            m,
            params(json!({"chat_id": 1, "text": "x",
                "reply_markup": {"inline_keyboard": [[{"callback_data": "b"}]]}})),
        )
        .expect_err("missing text");
        assert_eq!(
            err.description(),
            "Bad Request: can't parse reply_markup: field \"reply_markup.inline_keyboard[0][0].text\" is required"
        );
        let err = validate_params(
            m,
            params(json!({"chat_id": 1, "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "a", "callbak_data": "b"}]]}})),
        )
        .expect_err("typo");
        assert!(err.description().contains("unknown field"), "{err:?}");
    }

    #[test]
    fn json_text_in_a_union_reports_the_intended_member() {
        let m = spec().method("sendMessage").expect("method");
        let markup = json!({"inline_keyboard": [[{"text": "a", "callback_data": {"k": 1}}]]}).to_string();
        let err = validate_params(m, params(json!({"chat_id": 1, "text": "x", "reply_markup": markup})))
            .expect_err("object callback_data");
        assert!(err.description().contains("callback_data"), "{err:?}");
    }

    #[test]
    fn tagged_unions_pick_by_tag() {
        let m = spec().method("setMyCommands").expect("method");
        let err = validate_params(m, params(json!({"commands": [], "scope": {"type": "chat"}})))
            .expect_err("chat_id missing");
        assert!(err.description().contains("scope.chat_id"), "{err:?}");
        assert!(
            validate_params(m, params(json!({"commands": [], "scope": {"type": "chat", "chat_id": 5}})))
                .is_ok()
        );
    }

    #[test]
    fn strict_mode_rejects_coercions_and_unknown_fields() {
        assert!(check_produced("User", &json!({"id": 1, "is_bot": false, "first_name": "A"})).is_ok());
        assert!(check_produced("User", &json!({"id": "1", "is_bot": false, "first_name": "A"})).is_err());
        assert!(check_produced("User", &json!({"id": 1, "is_bot": false})).is_err());
        assert!(
            check_produced("User", &json!({"id": 1, "is_bot": false, "first_name": "A", "x": 1})).is_err()
        );
        assert!(check_produced("Array of Update", &json!([{"update_id": 1}])).is_ok());
    }
}
