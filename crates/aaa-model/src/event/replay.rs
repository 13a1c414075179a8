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
