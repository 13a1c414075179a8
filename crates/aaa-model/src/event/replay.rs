//! The end of a replay job (`replay_job_status`).

use serde::{Deserialize, Serialize};

use crate::owned::{borrowed_struct, string_enum};
use crate::{JobId, Text, WebhookId};

string_enum! {
    /// How a replay job ended.
    pub enum JobState<'a> {
        /// Every event in the window was delivered.
        Complete = "Complete",
        /// Some events were not delivered; X asks for the job to be run again.
        Incomplete = "Incomplete",
    }
}

borrowed_struct! {
    /// The message X delivers when a replay job ends (the object under `replay_job_status`).
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct ReplayJobStatus<'a> {
        /// The webhook the job ran for.
        #[serde(borrow)]
        pub webhook_id: WebhookId<'a>,
        /// The job.
        #[serde(borrow)]
        pub job_id: JobId<'a>,
        /// How it ended.
        #[serde(borrow)]
        pub job_state: JobState<'a>,
        /// X's explanation.
        #[serde(default, borrow)]
        pub job_state_description: Option<Text<'a>>,
    }
}

impl<'a> ReplayJobStatus<'a> {
    /// Reads a `replay_job_status` from its JSON: the object itself (what a store keeps as the
    /// event) or an envelope holding it under `replay_job_status` (the whole delivery). `None`
    /// when it is neither.
    pub fn from_json(json: &'a [u8]) -> Option<ReplayJobStatus<'a>> {
        #[derive(Deserialize)]
        struct Envelope<'b> {
            #[serde(borrow)]
            replay_job_status: ReplayJobStatus<'b>,
        }
        serde_json::from_slice::<ReplayJobStatus<'a>>(json)
            .ok()
            .or_else(|| {
                serde_json::from_slice::<Envelope<'a>>(json)
                    .ok()
                    .map(|e| e.replay_job_status)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_alone_or_in_its_envelope() {
        let inner = br#"{"webhook_id":"1","job_id":"2","job_state":"Complete"}"#;
        let s = ReplayJobStatus::from_json(inner).unwrap();
        assert_eq!(s.job_id.as_str(), "2");
        assert_eq!(s.job_state, JobState::Complete);
        let outer = br#"{"replay_job_status":{"webhook_id":"1","job_id":"3","job_state":"Incomplete","job_state_description":"retry"}}"#;
        let s = ReplayJobStatus::from_json(outer).unwrap();
        assert_eq!(s.job_state.as_str(), "Incomplete");
        assert_eq!(
            s.job_state_description.as_ref().map(Text::as_str),
            Some("retry")
        );
        assert!(ReplayJobStatus::from_json(b"{}").is_none());
        assert!(ReplayJobStatus::from_json(b"not json").is_none());
        assert!(ReplayJobStatus::from_json(br#"{"job_id":"2"}"#).is_none());
    }
}
