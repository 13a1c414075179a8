//! Replay job creation answers.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use crate::owned::borrowed_struct;
use crate::{JobId, Timestamp, UserId};

borrowed_struct! {
    /// The answer to a replay request: the job that was started.
    ///
    /// Deserializes from the v1.1 answer `{"job_id","created_at"}`, the v2 answer
    /// `{"data":{"job_id","created_at"}}` (also used by `POST /2/webhooks/replay`) and the form one
    /// of X's v2 guides shows, `{"for_user_id","replay_event":{"job_id","created_at"}}`; which of
    /// the two v2 forms X really sends is not settled by its documentation. Serializes in the
    /// v2 `data` form.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct ReplayJob<'a> {
        /// The job id; the `replay_job_status` message that ends the job carries it.
        pub job_id: JobId<'a>,
        /// When the job was created.
        pub created_at: Option<Timestamp>,
        /// The `for_user_id` of the `replay_event` form.
        pub for_user_id: Option<UserId>,
    }
}

impl<'a> ReplayJob<'a> {
    /// A job with this id created at `created_at`.
    pub fn new(job_id: impl Into<JobId<'a>>, created_at: Timestamp) -> Self {
        ReplayJob {
            job_id: job_id.into(),
            created_at: Some(created_at),
            for_user_id: None,
        }
    }
}

#[derive(Deserialize)]
struct RawReplayJob<'a> {
    #[serde(default, borrow)]
    data: Option<Box<RawReplayJob<'a>>>,
    #[serde(default, borrow)]
    replay_event: Option<Box<RawReplayJob<'a>>>,
    #[serde(default, borrow)]
    job_id: Option<JobId<'a>>,
    #[serde(default)]
    created_at: Option<Timestamp>,
    #[serde(default)]
    for_user_id: Option<UserId>,
}

impl<'de: 'a, 'a> Deserialize<'de> for ReplayJob<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut raw = RawReplayJob::deserialize(deserializer)?;
        let for_user_id = raw.for_user_id;
        if let Some(inner) = raw.data.take().or_else(|| raw.replay_event.take()) {
            raw = *inner;
        }
        Ok(ReplayJob {
            job_id: raw
                .job_id
                .ok_or_else(|| de::Error::missing_field("job_id"))?,
            created_at: raw.created_at,
            for_user_id: for_user_id.or(raw.for_user_id),
        })
    }
}

impl Serialize for ReplayJob<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Inner<'s, 'a> {
            job_id: &'s JobId<'a>,
            #[serde(
                skip_serializing_if = "Option::is_none",
                with = "crate::time::rfc3339::option"
            )]
            created_at: Option<Timestamp>,
        }
        #[derive(Serialize)]
        struct Out<'s, 'a> {
            data: Inner<'s, 'a>,
        }
        Out {
            data: Inner {
                job_id: &self.job_id,
                created_at: self.created_at,
            },
        }
        .serialize(serializer)
    }
}
