//! Rackspace Cloud DNS answers every change with `202 Accepted` and a job
//! (`status`, `callbackUrl`); the change is done when the job says
//! `COMPLETED`, and failed when it says `ERROR`, with the real status code
//! inside. Polling here turns that back into an ordinary call.

use cloud_core::Result;
use cloud_core::http::rest::About;
use cloud_core::http::{HeaderMap, Method, StatusCode};
use serde_json::{Value, json};
use url::Url;

use crate::json::text;
use crate::service::Service;
use cloud_core::poll::{Poll, poll_until};

/// What a finished job says.
enum Outcome {
    Done(Value),
    Failed(u16, String),
}

fn outcome(job: &Value) -> Option<Outcome> {
    match text(job, "/status").as_deref() {
        Some("COMPLETED") => Some(Outcome::Done(
            job.get("response").cloned().unwrap_or(Value::Null),
        )),
        Some("ERROR") => {
            let error = job.get("error").unwrap_or(&Value::Null);
            // Batch operations put the real fault in `failedItems`.
            let fault = error.pointer("/failedItems/faults/0").unwrap_or(error);
            let code = fault
                .get("code")
                .and_then(Value::as_u64)
                .and_then(|c| u16::try_from(c).ok())
                .unwrap_or(500);
            let message = ["/details", "/message", "/validationErrors/messages/0"]
                .iter()
                .find_map(|p| text(fault, p).filter(|t| !t.is_empty()))
                .unwrap_or_else(|| "the job failed".into());
            Some(Outcome::Failed(code, message))
        }
        _ => None,
    }
}

/// Waits for the job `accepted` (the 202 body) and returns its `response`
/// (`null` for jobs that answer nothing). A failed job becomes the typed
/// error its inner status code means for `resource`.
pub(crate) async fn finish(
    api: &Service,
    accepted: Value,
    about: Option<About<'_>>,
) -> Result<Value> {
    let callback = text(&accepted, "/callbackUrl");
    let first = outcome(&accepted);
    let result = match first {
        Some(o) => o,
        None => {
            let callback = callback.ok_or_else(|| api.malformed("a job without a callbackUrl"))?;
            let mut url = Url::parse(&callback)
                .map_err(|e| api.malformed(format!("job callbackUrl `{callback}`: {e}")))?;
            url.query_pairs_mut().append_pair("showDetails", "true");
            let what = format!("Cloud DNS job {callback}");
            poll_until(api.shared.changes, &what, || async {
                let job = api.send(Method::GET, url.clone(), None, None).await?.body;
                Ok(match outcome(&job) {
                    Some(done) => Poll::Done(done),
                    None => Poll::Pending(format!(
                        "its status is {}",
                        text(&job, "/status").unwrap_or_default()
                    )),
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
