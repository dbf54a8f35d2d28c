//! Pages from drivers, lazy streams for users.
//!
//! Drivers answer one page at a time ([`Page`]), which is how every provider
//! API works; the portable handles turn those pages into a [`Stream`] that
//! fetches the next page only when the caller has consumed the previous one.
//! No listing is ever gathered whole in memory.

use std::future::Future;

use futures::stream::{BoxStream, Stream, StreamExt, TryStreamExt};

use crate::error::{Error, Result};

/// Which page to fetch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PageRequest {
    /// The continuation token from the previous page; `None` for the first page.
    pub token: Option<String>,
    /// The page size to ask for; `None` for the provider's default.
    pub size: Option<u32>,
}

impl PageRequest {
    /// The first page, at the provider's default size.
    pub fn first() -> Self {
        Self::default()
    }

    /// The first page, asking for `size` items per page.
    pub fn with_size(size: Option<u32>) -> Self {
        PageRequest { token: None, size }
    }

    /// The page after `token`.
    #[must_use]
    pub fn after(mut self, token: Option<String>) -> Self {
        self.token = token;
        self
    }
}

/// One page of a listing, as a driver returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The token for the next page; `None` on the last page.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// A page with a continuation token (`None` when it is the last).
    pub fn new(items: Vec<T>, next: Option<String>) -> Self {
        Page { items, next }
    }

    /// The last (or only) page.
    pub fn last(items: Vec<T>) -> Self {
        Page { items, next: None }
    }
}

/// A number carried by a page token (an offset, a page number), at least
/// `first`; `first` itself when there is no token yet. A token that is not
/// such a number is `InvalidInput` naming `provider`.
///
/// ```
/// use cloud_core::paging::token_number;
///
/// assert_eq!(token_number(None, 1, "example").unwrap(), 1);
/// assert_eq!(token_number(Some("40"), 0, "example").unwrap(), 40);
/// assert!(token_number(Some("0"), 1, "example").is_err());
/// assert!(token_number(Some("x"), 0, "example").is_err());
/// ```
pub fn token_number(token: Option<&str>, first: u64, provider: &str) -> Result<u64> {
    match token {
        None => Ok(first),
        Some(t) => t
            .parse::<u64>()
            .ok()
            .filter(|n| *n >= first)
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "invalid {provider} page token `{}`",
                    crate::error::quote(t)
                ))
            }),
    }
}

/// Whether an offset- or page-numbered listing goes on after a page of
/// `got` items (`size` asked) that `before` items preceded: up to `total`
/// when the provider reports one, else while pages come back full. An
/// empty page always ends it, so a wrong total cannot loop.
///
/// ```
/// use cloud_core::paging::has_more;
///
/// assert!(has_more(0, 3, 3, Some(7)));
/// assert!(!has_more(6, 1, 3, Some(7)));
/// assert!(!has_more(9, 0, 3, Some(70)));
/// assert!(has_more(0, 3, 3, None));
/// assert!(!has_more(3, 2, 3, None));
/// ```
pub fn has_more(before: u64, got: usize, size: u32, total: Option<u64>) -> bool {
    let got = got as u64;
    got > 0
        && match total {
            Some(total) => before + got < total,
            None => got >= u64::from(size),
        }
}

/// The `limit`/`marker` query of one page, as OpenStack, Rackspace and
/// many other APIs page: the size asked for (the provider's default when
/// none), clamped to what the API allows, and the token as the marker.
///
/// ```
/// use cloud_core::PageRequest;
///
/// let page = PageRequest::with_size(Some(5000)).after(Some("abc".into()));
/// let query = page.marker_query(100, 1000);
/// assert_eq!(query.limit(), 1000);
/// assert_eq!(query.pairs(), [("limit", "1000"), ("marker", "abc")]);
/// ```
#[derive(Debug, Clone)]
pub struct MarkerQuery<'a> {
    limit: u32,
    limit_text: String,
    marker: Option<&'a str>,
}

impl PageRequest {
    /// This page as a `limit`/`marker` query: `default` items when no size
    /// was asked for, at most `max`.
    pub fn marker_query(&self, default: u32, max: u32) -> MarkerQuery<'_> {
        let limit = self.size.unwrap_or(default).clamp(1, max.max(1));
        MarkerQuery {
            limit,
            limit_text: limit.to_string(),
            marker: self.token.as_deref(),
        }
    }
}

impl MarkerQuery<'_> {
    /// The page size asked for.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// The query pairs: `limit`, and `marker` after the first page.
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        let mut pairs = vec![("limit", self.limit_text.as_str())];
        if let Some(marker) = self.marker {
            pairs.push(("marker", marker));
        }
        pairs
    }

    /// The marker of the next page for an API that says nothing of one:
    /// the last item's id, when the page came back full (a server that
    /// ignores `limit` sends more, and then there is no next page).
    ///
    /// ```
    /// let page = cloud_core::PageRequest::with_size(Some(2));
    /// let query = page.marker_query(100, 1000);
    /// assert_eq!(query.next(&["a", "b"], |s| s), Some("b".into()));
    /// assert_eq!(query.next(&["a"], |s| s), None);
    /// ```
    pub fn next<T>(&self, items: &[T], id: impl Fn(&T) -> &str) -> Option<String> {
        (items.len() == self.limit as usize)
            .then(|| items.last().map(|i| id(i).to_owned()))
            .flatten()
    }
}

/// A lazily paginated listing.
pub type ListStream<T> = BoxStream<'static, Result<T>>;

/// Turns a page-fetching closure into a lazy stream of items.
///
/// The next page is requested only when the items of the current one have
/// been consumed. A driver that hands back the token it was given would loop
/// forever; that is reported as a malformed response instead.
///
/// ```
/// use cloud_core::{paginate, Page, PageRequest};
/// use futures::TryStreamExt;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let numbers = paginate(Some(2), "example", |req: PageRequest| async move {
///     let start: u32 = req.token.as_deref().unwrap_or("0").parse().unwrap();
///     let end = (start + req.size.unwrap()).min(5);
///     let next = (end < 5).then(|| end.to_string());
///     Ok(Page::new((start..end).collect(), next))
/// });
/// let all: Vec<u32> = numbers.try_collect().await.unwrap();
/// assert_eq!(all, vec![0, 1, 2, 3, 4]);
/// # }
/// ```
pub fn paginate<T, F, Fut>(size: Option<u32>, provider: &str, mut fetch: F) -> ListStream<T>
where
    T: Send + 'static,
    F: FnMut(PageRequest) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send + 'static,
{
    let provider = provider.to_owned();
    // State: `Some(token)` fetches the page after `token`; `None` means done.
    let pages = futures::stream::try_unfold(Some(None::<String>), move |state| {
        let call = state.map(|token| (token.clone(), fetch(PageRequest { token, size })));
        let provider = provider.clone();
        async move {
            let Some((asked, call)) = call else {
                return Ok(None);
            };
            let page = call.await?;
            if page.next.is_some() && page.next == asked {
                return Err(Error::malformed(
                    provider,
                    "listing returned the same continuation token twice",
                ));
            }
            let state = page.next.map(Some);
            Ok(Some((page.items, state)))
        }
    });
    pages
        .map_ok(|items| futures::stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

/// Splits an in-memory, already sorted listing into pages whose token is the
/// index of the next item. Used by the embedded providers.
pub fn page_of<T: Clone>(items: &[T], request: &PageRequest, default_size: u32) -> Result<Page<T>> {
    let start = match &request.token {
        None => 0,
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| Error::invalid_input(format!("invalid page token `{t}`")))?,
    };
    let size = request.size.unwrap_or(default_size).max(1) as usize;
    let start = start.min(items.len());
    let end = start.saturating_add(size).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    Ok(Page::new(items[start..end].to_vec(), next))
}

/// Splits a listing of live resources, sorted by `key`, into pages whose
/// token is the key of the last item given. Unlike an index, the token stays
/// right when items come and go between two pages: nothing still there is
/// skipped or given twice.
///
/// ```
/// use cloud_core::PageRequest;
/// use cloud_core::paging::page_after;
///
/// let key = |n: &&str| n.to_string();
/// let first = page_after(&["a", "b", "c"], key, &PageRequest::with_size(Some(2)), 100)?;
/// assert_eq!(first.items, ["a", "b"]);
/// // "a" goes away before the next page is asked for: "c" still comes.
/// let request = PageRequest::with_size(Some(2)).after(first.next.clone());
/// let second = page_after(&["b", "c"], key, &request, 100)?;
/// assert_eq!(second.items, ["c"]);
/// assert_eq!(second.next, None);
/// # Ok::<(), cloud_core::Error>(())
/// ```
pub fn page_after<T: Clone>(
    items: &[T],
    key: impl Fn(&T) -> String,
    request: &PageRequest,
    default_size: u32,
) -> Result<Page<T>> {
    let start = match &request.token {
        None => 0,
        Some(last) => items.partition_point(|item| key(item) <= *last),
    };
    let size = request.size.unwrap_or(default_size).max(1) as usize;
    let end = start.saturating_add(size).min(items.len());
    let next = (end < items.len())
        .then(|| items.get(end.wrapping_sub(1)).map(&key))
        .flatten()
        .filter(|_| end > start);
    Ok(Page::new(items[start..end].to_vec(), next))
}

/// Collects a listing stream into a `Vec`. Only for listings known to be small.
pub async fn collect_all<T>(stream: impl Stream<Item = Result<T>>) -> Result<Vec<T>> {
    futures::pin_mut!(stream);
    let mut out = Vec::new();
    while let Some(item) = stream.next().await {
        out.push(item?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures::TryStreamExt;

    #[test]
    fn keyed_pages_survive_changes_between_pages() {
        let key = |n: &u32| format!("{n:04}");
        let all: Vec<u32> = (1..=5).collect();
        let mut seen = Vec::new();
        let mut request = PageRequest::with_size(Some(2));
        loop {
            // Item 2 vanishes after the first page; 0 appears before the cursor.
            let now: Vec<u32> = if seen.is_empty() {
                all.clone()
            } else {
                std::iter::once(0)
                    .chain(all.iter().copied().filter(|n| *n != 2))
                    .collect()
            };
            let page = page_after(&now, key, &request, 100).unwrap();
            seen.extend(page.items);
            match page.next {
                Some(t) => request = request.after(Some(t)),
                None => break,
            }
        }
        assert_eq!(seen, [1, 2, 3, 4, 5]);
        let empty: [u32; 0] = [];
        let page = page_after(&empty, key, &PageRequest::first(), 100).unwrap();
        assert!(page.items.is_empty() && page.next.is_none());
        let past = PageRequest::first().after(Some("9999".into()));
        assert!(page_after(&all, key, &past, 100).unwrap().items.is_empty());
    }

    use super::*;

    #[tokio::test]
    async fn fetches_lazily_page_by_page() {
        let calls = Arc::new(AtomicUsize::new(0));
        let seen = calls.clone();
        let items: Vec<u32> = (0..10).collect();
        let mut stream = paginate(Some(3), "test", move |req| {
            seen.fetch_add(1, Ordering::SeqCst);
            let page = page_of(&items, &req, 100);
            async move { page }
        });
        assert_eq!(
            calls.load(Ordering::SeqCst),
            0,
            "nothing fetched before polling"
        );
        assert_eq!(stream.next().await.unwrap().unwrap(), 0);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let rest: Vec<u32> = stream.try_collect().await.unwrap();
        assert_eq!(rest, (1..10).collect::<Vec<_>>());
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn empty_pages_with_tokens_are_skipped() {
        let stream = paginate(None, "test", |req| async move {
            Ok(match req.token.as_deref() {
                None => Page::new(vec![], Some("a".into())),
                Some("a") => Page::new(vec![1], Some("b".into())),
                _ => Page::last(vec![2]),
            })
        });
        let all: Vec<i32> = stream.try_collect().await.unwrap();
        assert_eq!(all, vec![1, 2]);
    }

    #[tokio::test]
    async fn a_repeated_token_is_an_error_not_a_hang() {
        let mut stream = paginate(None, "test", |_req| async move {
            Ok(Page::new(vec![1], Some("same".into())))
        });
        assert!(stream.next().await.unwrap().is_ok());
        let err = stream.next().await.unwrap().unwrap_err();
        assert_eq!(err.kind(), &crate::ErrorKind::MalformedResponse);
        assert!(stream.next().await.is_none());
    }

    #[tokio::test]
    async fn errors_end_the_stream() {
        let mut stream =
            paginate::<u32, _, _>(
                None,
                "test",
                |_req| async move { Err(Error::transport("boom")) },
            );
        assert!(stream.next().await.unwrap().is_err());
        assert!(stream.next().await.is_none());
    }
}
