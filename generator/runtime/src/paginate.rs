//! Paginators: a list operation's pages, and their items, as streams.
//!
//! The generator emits `.pages()` and `.items()` on every request builder of a paginated
//! operation (a page-token parameter, a next-token in the response, one list property); each
//! page is one call with the client's retries and timeouts.

use std::future::Future;

use futures_util::stream::{self, Stream, StreamExt};

use crate::error::Error;

/// Fetch pages with `fetch` (given the previous page's next token; `None` for the first page)
/// until a page has no next token (absent or empty) or repeats the one just used. An error
/// ends the stream after it is yielded.
#[doc(hidden)]
pub fn pages<P, E, Fut>(
    fetch: impl Fn(Option<String>) -> Fut,
    next: fn(&P) -> Option<&str>,
) -> impl Stream<Item = Result<P, Error<E>>>
where
    Fut: Future<Output = Result<P, Error<E>>>,
{
    enum State {
        Next(Option<String>),
        Done,
    }
    stream::unfold((State::Next(None), fetch), move |(state, fetch)| async move {
        let State::Next(token) = state else { return None };
        match fetch(token.clone()).await {
            Ok(page) => {
                let following = next(&page).filter(|t| !t.is_empty() && Some(*t) != token.as_deref());
                let state = match following {
                    Some(t) => State::Next(Some(t.to_owned())),
                    None => State::Done,
                };
                Some((Ok(page), (state, fetch)))
            }
            Err(e) => Some((Err(e), (State::Done, fetch))),
        }
    })
}

/// The items of each page, in order, from a stream of [`pages`].
#[doc(hidden)]
pub fn items<P, T, E>(
    pages: impl Stream<Item = Result<P, Error<E>>>,
    items: fn(P) -> Vec<T>,
) -> impl Stream<Item = Result<T, Error<E>>> {
    pages.flat_map(move |page| {
        let out: Vec<Result<T, Error<E>>> = match page {
            Ok(p) => items(p).into_iter().map(Ok).collect(),
            Err(e) => vec![Err(e)],
        };
        stream::iter(out)
    })
}
