//! Rackspace Cloud DNS answers every change with `202 Accepted` and a job
//! (`status`, `callbackUrl`); the change is done when the job says
//! `COMPLETED`, and failed when it says `ERROR`, with the real status code
//! inside. Polling here turns that back into an ordinary call.

use cloud_core::Result;
use cloud_core::Url;
use cloud_core::http::rest::About;
use cloud_core::http::{HeaderMap, Method, StatusCode};
use serde_json::{Value, json};

use crate::service::Service;
use cloud_core::http::json::null_as_default;
use cloud_core::poll::{Poll, poll_until};
use serde::Deserialize;

/// A job as Cloud DNS answers it (`202` and `GET /status/{id}`).
#[derive(Debug, Deserialize)]
struct WireJob {
    #[serde(default)]
    status: Option<String>,
    #[serde(default, rename = "callbackUrl")]
    callback_url: Option<String>,
    /// What the job made: its shape is the request's (domains, records),
    /// read by the caller.
    #[serde(default)]
    response: Option<Value>,
    #[serde(default)]
    error: Option<WireFault>,
}

/// Why a job failed; batch operations put the real fault in `failedItems`.
#[derive(Debug, Default, Deserialize)]
struct WireFault {
    #[serde(default)]
    code: Option<u16>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    details: Option<String>,
    #[serde(default, rename = "validationErrors")]
    validation: Option<WireMessages>,
    #[serde(default, rename = "failedItems")]
    failed_items: Option<WireFailedItems>,
}

#[derive(Debug, Default, Deserialize)]
struct WireMessages {
    #[serde(default, deserialize_with = "null_as_default")]
    messages: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
struct WireFailedItems {
    #[serde(default, deserialize_with = "null_as_default")]
    faults: Vec<WireFault>,
}

/// What a finished job says.
enum Outcome {
    Done(Value),
    Failed(u16, String),
}

impl WireJob {
    fn outcome(self) -> Option<Outcome> {
        match self.status.as_deref() {
            Some("COMPLETED") => Some(Outcome::Done(self.response.unwrap_or(Value::Null))),
            Some("ERROR") => {
                let mut error = self.error.unwrap_or_default();
                let fault = match error.failed_items.as_mut().map(|f| &mut f.faults) {
                    Some(faults) if !faults.is_empty() => faults.swap_remove(0),
                    _ => error,
                };
                let message = [
                    fault.details,
                    fault.message,
                    fault.validation.and_then(|v| v.messages.into_iter().next()),
                ]
                .into_iter()
                .flatten()
                .find(|t| !t.is_empty())
                .unwrap_or_else(|| "the job failed".into());
                Some(Outcome::Failed(fault.code.unwrap_or(500), message))
            }
            _ => None,
        }
    }
}

fn job(api: &Service, body: Value) -> Result<WireJob> {
    api.decode(body, "a Cloud DNS job")
}

/// Waits for the job `accepted` (the 202 body) and returns its `response`
/// (`null` for jobs that answer nothing). A failed job becomes the typed
/// error its inner status code means for `resource`.
pub(crate) async fn finish(
    api: &Service,
    accepted: Value,
    about: Option<About<'_>>,
) -> Result<Value> {
    let accepted = job(api, accepted)?;
    let callback = accepted.callback_url.clone();
    let result = match accepted.outcome() {
        Some(o) => o,
        None => {
            let callback = callback.ok_or_else(|| api.malformed("a job without a callbackUrl"))?;
            let mut url = Url::parse(&callback)
                .map_err(|e| api.malformed(format!("job callbackUrl `{callback}`: {e}")))?;
            url.append_query_pair("showDetails", "true");
            let what = format!("Cloud DNS job {callback}");
            poll_until(api.shared.changes, &what, || async {
                let body = api.send(Method::GET, url.clone(), None, None).await?.body;
                let job = job(api, body)?;
                let status = job.status.clone().unwrap_or_default();
                Ok(match job.outcome() {
                    Some(done) => Poll::Done(done),
                    None => Poll::Pending(format!("its status is {status}")),
                })
            })
            .await?
        }
    };
    match result {
        Outcome::Done(response) => Ok(response),
        Outcome::Failed(code, message) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = json!({ "message": message }).to_string();
            Err(api.error(status, &HeaderMap::new(), body.as_bytes(), about))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(job: &Value) -> Option<Outcome> {
        serde_json::from_value::<WireJob>(job.clone())
            .unwrap()
            .outcome()
    }

    #[test]
    fn job_outcomes() {
        assert!(outcome(&json!({"status": "RUNNING"})).is_none());
        assert!(outcome(&json!({"status": "INITIALIZED"})).is_none());
        let Some(Outcome::Done(v)) =
            outcome(&json!({"status": "COMPLETED", "response": {"domains": []}}))
        else {
            panic!("completed")
        };
        assert_eq!(v, json!({"domains": []}));
        let failed = json!({"status": "ERROR", "error": {"failedItems": {"faults": [
            {"code": 409, "message": "Conflict", "details": "Domain already exists"}
        ]}, "code": 500, "message": "One or more items could not be added."}});
        let Some(Outcome::Failed(code, message)) = outcome(&failed) else {
            panic!("failed")
        };
        assert_eq!((code, message.as_str()), (409, "Domain already exists"));
        let Some(Outcome::Failed(code, _)) = outcome(
            &json!({"status": "ERROR", "error": {"code": 400, "message": "Validation failed"}}),
        ) else {
            panic!("failed")
        };
        assert_eq!(code, 400);
    }
}
