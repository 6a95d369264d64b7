// Package rights is information governance's casework for data-subject
// rights requests (UK GDPR Articles 15 to 21): a register of requests with
// their statutory due dates, a search of every store for the requester's
// identifiers, access and portability packages released through a
// single-use link, erasure through the recordings' one deletion path,
// restriction and objection marks, and rectification with history.
//
// Where its data lives and how long: the register (rights_requests and its
// events) is in the database, whose location start-up checks against the
// policy. A request's identifiers (numbers, e-mail, conversation id) are
// sealed under a key derived for this purpose alone
// (keys.PurposeRightsIdentifiers) and destroyed by the rights sweep once
// the case is closed and the policy's rights_requests.identifier_retention
// has passed; what stays is the case's type, dates and outcome, which hold
// no personal data, as the council's record of how it answered.
package rights
