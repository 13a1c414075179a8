//! Lists the app's X Activity API subscriptions (`GET /2/activity/subscriptions`), one page at
//! a time or all of them with [`SubscriptionPages`].

use aaa_crypto::BearerToken;
use aaa_model::rest::{ActivitySubscription, ActivitySubscriptionPage};

use crate::client::{AuthChoice, Call, Client, Response, UserToken};
use crate::error::{Error, ErrorKind};
use crate::request::{ResponseFuture, into_future, run};
use crate::route::Route;

/// Lists the app's X Activity API subscriptions, one page (`GET /2/activity/subscriptions`).
///
/// Sent with the bearer token unless [`ListActivitySubscriptions::as_user`] or
/// [`ListActivitySubscriptions::as_oauth2_user`] says otherwise. Awaiting it fetches one page;
/// [`ListActivitySubscriptions::pages`] walks them all.
#[must_use = "requests do nothing until awaited"]
#[derive(Debug, Clone)]
pub struct ListActivitySubscriptions {
    client: Client,
    max_results: Option<u32>,
    pagination_token: Option<String>,
    auth: AuthChoice,
}

impl ListActivitySubscriptions {
    pub(crate) fn new(client: &Client) -> Self {
        ListActivitySubscriptions {
            client: client.clone(),
            max_results: None,
            pagination_token: None,
            auth: AuthChoice::Default,
        }
    }

    /// Subscriptions per page (X takes 1 to 1000).
    pub fn max_results(mut self, n: u32) -> Self {
        self.max_results = Some(n);
        self
    }

    /// The page to fetch: a `next_token` from the page before.
    pub fn pagination_token(mut self, token: impl Into<String>) -> Self {
        self.pagination_token = Some(token.into());
        self
    }

    /// Sends with OAuth 1.0a as this user (the app owner when `None`).
    pub fn as_user(mut self, token: Option<UserToken>) -> Self {
        self.auth = AuthChoice::OAuth1User(token);
        self
    }

    /// Sends with an OAuth 2.0 user access token (the client's when `None`).
    pub fn as_oauth2_user(mut self, token: Option<BearerToken>) -> Self {
        self.auth = AuthChoice::OAuth2User(token);
        self
    }

    /// Every page from this one on, fetched as they are asked for.
    pub fn pages(self) -> SubscriptionPages {
        SubscriptionPages {
            next: Some(self),
            seen: Vec::new(),
        }
    }

    fn exec(self) -> ResponseFuture<ActivitySubscriptionPage<'static>> {
        let mut call = Call::new(Route::ListActivitySubscriptions);
        if let Some(n) = self.max_results {
            call.query.push(("max_results", n.to_string()));
        }
        if let Some(t) = self.pagination_token {
            call.query.push(("pagination_token", t));
        }
        self.auth.apply(&mut call);
        run(
            &self.client,
            call,
            |b| {
                serde_json::from_slice::<ActivitySubscriptionPage<'_>>(b)
                    .map(ActivitySubscriptionPage::into_owned)
            },
            ActivitySubscriptionPage::default,
        )
    }
}

into_future!(ListActivitySubscriptions => ActivitySubscriptionPage<'static>);

/// The pages of `GET /2/activity/subscriptions`, each fetched when asked for with
/// [`SubscriptionPages::next`], following `meta.next_token` until a page has none.
///
/// ```no_run
/// # async fn run(client: aaa_client::Client) -> Result<(), aaa_client::Error> {
/// let mut pages = client.list_activity_subscriptions().max_results(100).pages();
/// while let Some(page) = pages.next().await {
///     for s in &page?.data().subscriptions {
///         println!("{} {}", s.subscription_id, s.event_type);
///     }
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct SubscriptionPages {
    next: Option<ListActivitySubscriptions>,
    seen: Vec<String>,
}

impl SubscriptionPages {
    /// The next page; `None` after the last one, or after an error.
    ///
    /// A `next_token` X already gave is an error ([`ErrorKind::Decode`]) rather than a loop.
    pub async fn next(
        &mut self,
    ) -> Option<Result<Response<ActivitySubscriptionPage<'static>>, Error>> {
        let request = self.next.take()?;
        let template = request.clone();
        let page = match request.await {
            Ok(page) => page,
            Err(e) => return Some(Err(e)),
        };
        if let Some(token) = page.data().next_token.as_deref() {
            if self.seen.iter().any(|t| t == token) {
                return Some(Err(Error::new(ErrorKind::Decode).with_message(format!(
                    "x gave the pagination token {token} twice; stopped to avoid a loop"
                ))));
            }
            self.seen.push(token.to_owned());
            self.next = Some(template.pagination_token(token));
        }
        Some(Ok(page))
    }

    /// Every remaining subscription, all pages fetched.
    ///
    /// # Errors
    ///
    /// The first page that failed.
    pub async fn all(mut self) -> Result<Vec<ActivitySubscription<'static>>, Error> {
        let mut out = Vec::new();
        while let Some(page) = self.next().await {
            out.extend(page?.into_data().subscriptions);
        }
        Ok(out)
    }
}
