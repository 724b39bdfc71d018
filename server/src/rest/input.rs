//! How the API reads what a client sends — path, query string and JSON body — so that
//! every refusal, including the framework's own, is the API's error shape
//! `{"errors": {"field": "message"}}` naming the part that was wrong:
//! - a path parameter that does not parse (`/suppliers/1%20OR%201=1`): 400, the
//!   parameter's name (`id`);
//! - a query parameter that does not parse: 400, its name;
//! - a body that is not JSON: 422, field `body` (as the API always answered); not sent as
//!   JSON: 415; too large: 413;
//! - JSON of the wrong shape (`"name": 5`, `"items": [{"value_gbp": "lots"}]`): 422, the
//!   field's path as the pages name it (`name`, `items[0].value_gbp`);
//! - anything else the router refuses (a method not allowed, …): [`json_errors`] rewrites a
//!   non-JSON error response into the same shape as a last resort.
//!
//! Sizes are bounded before any per-item work: the body by axum's limit (2 MB unless a
//! route says otherwise), and each list by the rules of the field it fills.

use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;

/// A refusal of the request's form, before any service runs: a status and one field.
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub field: String,
    pub message: String,
}

impl Refusal {
    fn new(status: StatusCode, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            field: field.into(),
            message: message.into(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (
            self.status,
            axum::Json(json!({ "errors": { self.field: self.message } })),
        )
            .into_response()
    }
}

/// Path parameters; one that does not parse is a 400 naming it.
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(Self(v)),
            Err(rejection) => {
                let raw = RawPathParams::from_request_parts(parts, state).await.ok();
                Err(path_refusal(&rejection, raw.as_ref()))
            }
        }
    }
}

/// The refusal, naming the parameter: axum names it only when the path has several, so
/// otherwise it is found by its value among the route's parameters.
fn path_refusal(rejection: &PathRejection, raw: Option<&RawPathParams>) -> Refusal {
    let name_of = |value: &str| {
        raw.and_then(|r| {
            r.iter()
                .find(|(_, v)| *v == value)
                .map(|(k, _)| k.to_owned())
        })
        .unwrap_or_else(|| "path".to_owned())
    };
    use axum::extract::path::ErrorKind;
    if let PathRejection::FailedToDeserializePathParams(e) = rejection {
        match e.kind() {
            ErrorKind::ParseErrorAtKey {
                key,
                value,
                expected_type,
            } => {
                return Refusal::new(
                    StatusCode::BAD_REQUEST,
                    key.as_str(),
                    format!("`{value}` is not {}", kind_of(expected_type)),
                );
            }
            ErrorKind::ParseError {
                value,
                expected_type,
            }
            | ErrorKind::ParseErrorAtIndex {
                value,
                expected_type,
                ..
            } => {
                return Refusal::new(
                    StatusCode::BAD_REQUEST,
                    name_of(value),
                    format!("`{value}` is not {}", kind_of(expected_type)),
                );
            }
            _ => {}
        }
    }
    Refusal::new(StatusCode::BAD_REQUEST, "path", rejection.body_text())
}

/// "a whole number" for the integer types a path holds, else the type's name.
fn kind_of(rust_type: &str) -> String {
    match rust_type {
        "i64" | "i32" | "u64" | "u32" | "usize" => "a whole number (an id)".to_owned(),
        other => format!("a valid {other}"),
    }
}

/// A query string read into `T`; a parameter that does not parse is a 400 naming it.
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or_default()).map(Self)
    }
}

/// Reads a query string into `T`, naming the parameter that does not fit.
///
/// # Errors
/// A [`Refusal`] (400) naming the parameter, or `query` when the string as a whole is wrong.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, Refusal> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = field_name(&e.path().to_string(), "query");
        Refusal::new(StatusCode::BAD_REQUEST, field, e.inner().to_string())
    })
}

/// A JSON body read into `T`: sent as JSON, within the size limit, of the right shape.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = Refusal;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(Refusal::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "body",
                "send the body as JSON, with `Content-Type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| body_refusal(&e))?;
        parse_json(&bytes).map(Self)
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn body_refusal(e: &BytesRejection) -> Refusal {
    let status = e.status();
    let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "the body is larger than this endpoint accepts".to_owned()
    } else {
        e.body_text()
    };
    Refusal::new(status, "body", message)
}

/// Reads JSON into `T`. Malformed JSON is a 422 on `body` (with the line and column); JSON
/// of the wrong shape is a 422 naming the field's path, e.g. `items[2].value_gbp` (a field
/// the body may not have: `body`).
///
/// # Errors
/// A [`Refusal`] as above.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Refusal> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        json_refusal(&path, &inner)
    })?;
    de.end().map_err(|e| json_refusal(".", &e))?;
    Ok(value)
}

fn json_refusal(path: &str, e: &serde_json::Error) -> Refusal {
    use serde_json::error::Category;
    // 422 for both, as the API has always answered a body it cannot use.
    match e.classify() {
        // A field the body may not have is a fault of the body as a whole, as before.
        Category::Data if e.to_string().starts_with("unknown field") => Refusal::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "body",
            without_position(&e.to_string()),
        ),
        Category::Data => Refusal::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            field_name(path, "body"),
            without_position(&e.to_string()),
        ),
        Category::Syntax | Category::Eof | Category::Io => Refusal::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "body",
            format!("this is not valid JSON: {e}"),
        ),
    }
}

/// serde's path (`.` for the whole value, `items[2].cpv` inside) as an error's field name;
/// a path into a value that is a list at the top is named from `whole` (`body[0]`).
fn field_name(path: &str, whole: &str) -> String {
    match path {
        "" | "." | "?" => whole.to_owned(),
        p if p.starts_with('[') => format!("{whole}{p}"),
        p => p.to_owned(),
    }
}

/// serde_json's message without " at line 1 column 12", which means nothing beside a field.
fn without_position(message: &str) -> String {
    message
        .rsplit_once(" at line ")
        .map_or(message, |(text, _)| text)
        .to_owned()
}

/// The last resort for the API's routes: an error response that is not JSON (the router's
/// 405, a layer's 413 or 408…) is rewritten into `{"errors": {"request": "…"}}` with the
/// same status, so a client can parse every error the same way.
pub async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json_already = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json_already {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Framework refusals are a line of text; more than this is not a message for a client.
    let text = axum::body::to_bytes(body, 4096)
        .await
        .ok()
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| {
            status
                .canonical_reason()
                .unwrap_or("refused")
                .to_lowercase()
        });
    let body = serde_json::to_vec(&json!({ "errors": { "request": text } })).unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(body))
}

/// Adds the error answers every operation may give to the OpenAPI document, each with the
/// error body: what the extractors above and the services return.
pub struct ErrorResponses;

impl utoipa::Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::HttpMethod;
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let answer = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build(),
            )
        };
        for item in openapi.paths.paths.values_mut() {
            for (method, operation) in [
                (HttpMethod::Get, item.get.as_mut()),
                (HttpMethod::Post, item.post.as_mut()),
                (HttpMethod::Put, item.put.as_mut()),
                (HttpMethod::Delete, item.delete.as_mut()),
                (HttpMethod::Patch, item.patch.as_mut()),
            ] {
                let Some(operation) = operation else { continue };
                let takes_body =
                    operation.request_body.is_some() || !matches!(method, HttpMethod::Get);
                let mut add = |code: &str, description: &str| {
                    operation
                        .responses
                        .responses
                        .entry(code.to_owned())
                        .or_insert_with(|| answer(description));
                };
                add("400", "A path or query parameter (named) does not parse");
                add("401", "No valid API token where one is needed");
                add("403", "The token's user (or its scope) may not do this");
                add("404", "No such resource, or not yours to see");
                add(
                    "429",
                    "Too many requests; `Retry-After` says when to try again",
                );
                if takes_body {
                    add("413", "The body is larger than this endpoint accepts");
                    add(
                        "415",
                        "The body was not sent as JSON (`Content-Type: application/json`)",
                    );
                    add("422", "The body is not JSON (`body`), or a field (named by its path, e.g. `items[2].cpv`) is of the wrong type or fails a rule");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[expect(dead_code, reason = "only the parse matters")]
    struct Item {
        cpv: String,
        value_gbp: Option<u64>,
    }

    #[derive(Debug, Deserialize)]
    #[expect(dead_code, reason = "only the parse matters")]
    struct Body {
        name: String,
        items: Vec<Item>,
    }

    #[test]
    fn a_wrong_type_deep_in_the_body_is_a_422_naming_its_path() {
        let r = parse_json::<Body>(br#"{"name": "x", "items": [{"cpv": "1"}, {"cpv": 5}]}"#)
            .expect_err("wrong type");
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.field, "items[1].cpv");
        assert_eq!(r.message, "invalid type: integer `5`, expected a string");
    }

    #[test]
    fn malformed_json_is_a_422_on_the_body() {
        let r = parse_json::<Body>(br#"{"name": "#).expect_err("cut short");
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.field, "body");
        assert!(
            r.message.starts_with("this is not valid JSON"),
            "{}",
            r.message
        );
        let r = parse_json::<Body>(br#"{"name": "x", "items": []} trailing"#)
            .expect_err("trailing text");
        assert_eq!(r.field, "body");
    }

    #[test]
    fn a_body_of_the_wrong_kind_altogether_names_the_body() {
        let r = parse_json::<Body>(b"[1, 2]").expect_err("an array");
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.field, "body[0]");
        let r = parse_json::<Body>(b"12").expect_err("a number");
        assert_eq!(r.field, "body");
    }

    #[derive(Debug, Deserialize)]
    #[expect(dead_code, reason = "only the parse matters")]
    struct Query {
        page: Option<u32>,
        q: Option<String>,
    }

    #[test]
    fn a_query_parameter_that_does_not_parse_is_named() {
        let r = parse_query::<Query>("q=cleaning&page=two").expect_err("not a number");
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.field, "page");
        assert!(parse_query::<Query>("q=cleaning&page=2").is_ok());
    }

    #[test]
    fn only_json_content_types_are_json() {
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, header::HeaderValue::from_static(v));
            is_json(&h)
        };
        assert!(with("application/json"));
        assert!(with("application/json; charset=utf-8"));
        assert!(with("application/merge-patch+json"));
        assert!(!with("text/plain"));
        assert!(!with("application/x-www-form-urlencoded"));
        assert!(!is_json(&HeaderMap::new()));
    }
}
