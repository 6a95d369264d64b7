// Package policy is the council's privacy promises as code.
//
// A policy file (YAML, schema in docs/policy.md) declares the organisation, the data subject
// rights it offers and, for each system (the Website Chatbot, Customer Service Centre phone call
// recording, ...), what is collected, why, on which lawful basis, who may receive it, where it may
// be stored and how long each kind of data is kept. The fair processing notices are rendered from
// it (internal/notice), and the rest of the product asks it questions (Retention,
// RecipientAllowed, StorageLocationAllowed, ...) instead of keeping its own constants, so a
// change to the policy changes the notice and the behaviour together.
//
// Parse decodes and validates a policy and reports every problem as FILE:LINE: FIELD: MSG, where
// FIELD is the YAML path of the offending value (for example
// systems[1].service_areas[0].retention.recording.months).
package policy

// Policy is a parsed, validated policy file. Its exported fields mirror the YAML schema; treat a
// *Policy as read-only once parsed (Default returns a fresh copy on every call).
type Policy struct {
	// Version is the schema version; only 1 exists.
	Version      int          `yaml:"version"`
	Organisation Organisation `yaml:"organisation"`
	// Rights are the data subject rights the notices offer, in the order they are listed.
	Rights  []Right  `yaml:"rights"`
	Systems []System `yaml:"systems"`
	// RightsRequests is about the register of requests (optional).
	RightsRequests *RightsRequests `yaml:"rights_requests"`
	// StaffProcessors process the council's staff's data, not the public's (an identity
	// provider such as Microsoft Entra ID, which receives who signs in). The public notices
	// do not list them; integrations are checked against them like a system's processors
	// (CheckIntegration with System StaffSystem).
	StaffProcessors []Processor `yaml:"staff_processors"`

	// Source is the file name the policy came from (the name given to Parse).
	Source string `yaml:"-"`

	raw []byte
}

// Organisation is the data controller.
type Organisation struct {
	Name string `yaml:"name"`
	// ShortName is how the notices refer back to the organisation ("the Council").
	ShortName            string               `yaml:"short_name"`
	Address              string               `yaml:"address"`
	Website              string               `yaml:"website"`
	DPO                  DPO                  `yaml:"data_protection_officer"`
	SupervisoryAuthority SupervisoryAuthority `yaml:"supervisory_authority"`
	// PublicContacts are the organisation's own published contact points. They are not
	// personal data: the PII redactor must leave them alone.
	PublicContacts PublicContacts `yaml:"public_contacts"`
	// References are the organisation's own reference numbers (council tax account, case
	// reference, UPRN, ...) that identify a resident and that the PII redactor must remove.
	References []Reference `yaml:"references"`
}

// DPO is how to reach the Data Protection Officer.
type DPO struct {
	Team  string `yaml:"team"`
	Email string `yaml:"email"`
}

// SupervisoryAuthority is the regulator complaints can be taken to (the ICO).
type SupervisoryAuthority struct {
	Name         string  `yaml:"name"`
	Address      string  `yaml:"address"`
	Phones       []Phone `yaml:"phones"`
	Website      string  `yaml:"website"`
	ComplaintURL string  `yaml:"complaint_url"`
}

// Phone is a telephone number with its call-rate label ("local rate").
type Phone struct {
	Number string `yaml:"number"`
	Rate   string `yaml:"rate"`
}

// PublicContacts are published contact points of the organisation itself.
type PublicContacts struct {
	Phones    []string `yaml:"phones"`
	Addresses []string `yaml:"addresses"`
}

// Right is a data subject right offered in the notices.
type Right struct {
	// ID is one of the RightIDs (access, rectification, erasure, restriction, portability,
	// objection, automated-decisions).
	ID string `yaml:"id"`
	// Text is the plain-English description ("correction of inaccurate data").
	Text string `yaml:"text"`
	// InSomeCases marks a right that applies only in some cases (erasure).
	InSomeCases bool `yaml:"in_some_cases"`
}

// System is one processing activity with its own notice.
type System struct {
	ID string `yaml:"id"`
	// Name is the short name used in lists ("Website Chatbot").
	Name string `yaml:"name"`
	// Title is the notice heading.
	Title string `yaml:"title"`
	// AppliesTo completes "This notice is for ..." ("our Website Chatbot"); the service area
	// names are appended when the system has service areas.
	AppliesTo string `yaml:"applies_to"`
	// Description says what the system is for (the notice's Purpose section).
	Description string `yaml:"description"`
	// NotFor lists what the system is not for ("provide case specific information or updates").
	NotFor []Exclusion `yaml:"not_for"`
	// Information is the "What information do we need from you?" text, one paragraph each.
	Information []string `yaml:"information"`
	// Why is extra "Why do we need this?" text after the list of purposes.
	Why            []string       `yaml:"why"`
	Purposes       []Purpose      `yaml:"purposes"`
	LawfulBases    []LawfulBasis  `yaml:"lawful_bases"`
	DataSubjects   []string       `yaml:"data_subjects"`
	DataCategories []DataCategory `yaml:"data_categories"`
	DataKinds      []DataKind     `yaml:"data_kinds"`
	ServiceAreas   []ServiceArea  `yaml:"service_areas"`
	// Recipients are the only organisations personal data may be disclosed to, and only when
	// necessary to offer the service or required by law.
	Recipients []Recipient `yaml:"recipients"`
	Processors []Processor `yaml:"processors"`
	Storage    Storage     `yaml:"storage"`
	// DropFolder is about recordings handed over through a drop folder.
	DropFolder             *DropFolder            `yaml:"drop_folder"`
	InternationalTransfers InternationalTransfers `yaml:"international_transfers"`
	// Sources are where answers come from (the chatbot's knowledge base sites).
	Sources []Source `yaml:"sources"`
	Survey  *Survey  `yaml:"survey"`
	// Security is the "How will we keep it secure?" text, one paragraph each.
	Security []string `yaml:"security"`
	Changes  Changes  `yaml:"changes"`
}

// Exclusion is something a system is not intended to do.
type Exclusion struct {
	ID string `yaml:"id"`
	// Text completes "It is not intended to ...".
	Text string `yaml:"text"`
}

// Purpose is one purpose of processing.
type Purpose struct {
	ID          string `yaml:"id"`
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
}

// LawfulBasis is a UK GDPR Article 6(1) lawful basis or an Article 9(2) condition for special
// category data.
type LawfulBasis struct {
	// Article is normalised by Parse to the form "6(1)(e)" or "9(2)(h)".
	Article string `yaml:"article"`
	// Text is the plain-English reason ("our official authority or performance of a public task").
	Text string `yaml:"text"`
}

// DataCategory is a category of personal data (for the notice and the Article 30 record).
type DataCategory struct {
	ID              string `yaml:"id"`
	Name            string `yaml:"name"`
	SpecialCategory bool   `yaml:"special_category"`
}

// DataKind is a kind of stored record that the retention sweeper deletes.
type DataKind struct {
	ID string `yaml:"id"`
	// Name is a plural noun phrase used in sentences ("call recordings").
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// PersonalData must be stated explicitly; kinds without personal data need no retention.
	PersonalData bool `yaml:"personal_data"`
	// Retention is the default period; a service area may override it.
	Retention Retention `yaml:"retention"`
}

// ServiceArea is a council service a record belongs to.
type ServiceArea struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// Retention overrides the data kind's default, keyed by data kind id.
	Retention map[string]Retention `yaml:"retention"`
	// Survey is this area's post-call feedback survey (nil: none).
	Survey *AreaSurvey `yaml:"survey"`
	// KeepSealedNumber keeps the caller's number, encrypted under the recording's own key,
	// with each recording of this area for the recording's whole retention. By default only a
	// keyed one-way fingerprint (blind index) stays, enough to find a caller's recordings for a
	// subject access request; the notice says which.
	KeepSealedNumber bool `yaml:"keep_sealed_number"`
}

// Recipient is an organisation personal data may be disclosed to.
type Recipient struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
}

// Processor processes data on the organisation's behalf.
type Processor struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// Role completes "who ..." ("facilitate the application").
	Role string `yaml:"role"`
	// Receives says what it is sent ("Details of your questions").
	Receives string `yaml:"receives"`
	// Stores says whether the processor keeps the data; if so, Countries must be allowed
	// storage locations of the system.
	Stores bool `yaml:"stores"`
	// Countries are where it may process the data (country or region codes, see Countries).
	Countries []string `yaml:"countries"`
}

// Storage lists where the system's data may be stored.
type Storage struct {
	Locations []string `yaml:"locations"`
}

// DropFolder is about files a telephony platform leaves in a drop folder
// (fairline recordings import). Imported files are deleted from the folder
// at once; the rest wait in its failed/ folder for someone to correct them.
type DropFolder struct {
	// FailedRetention is how long a file that could not be imported, with its
	// metadata, stays in failed/ before the retention sweep deletes it. A
	// period, never an event.
	FailedRetention Retention `yaml:"failed_retention"`
}

// DefaultFailedImportRetention applies when a system sets no
// drop_folder.failed_retention.
var DefaultFailedImportRetention = Retention{Days: 7}

// FailedImportRetention is how long a drop folder keeps files that could
// not be imported.
func (s *System) FailedImportRetention() Retention {
	if s.DropFolder == nil || s.DropFolder.FailedRetention.IsZero() {
		return DefaultFailedImportRetention
	}
	return s.DropFolder.FailedRetention
}

// InternationalTransfers states where data may go outside the UK and under which safeguard.
// No countries means "we will not send your information outside of the UK".
type InternationalTransfers struct {
	Countries []string `yaml:"countries"`
	// Safeguard is one of Safeguards ("adequacy", "idta", "uk-addendum").
	Safeguard string `yaml:"safeguard"`
}

// Source is a website answers are drawn from.
type Source struct {
	Name string `yaml:"name"`
	URL  string `yaml:"url"`
}

// Survey is a voluntary feedback survey sent after contact.
type Survey struct {
	Description string `yaml:"description"`
	Voluntary   bool   `yaml:"voluntary"`
	// PhoneNumberKind is the data kind holding the numbers surveys are sent to; its retention
	// must be an event (they are deleted when the survey request is sent).
	PhoneNumberKind string `yaml:"phone_number_kind"`
	// ResponseKind is the data kind holding responses; it must hold no personal data.
	ResponseKind string `yaml:"response_kind"`
	// Questions are what the survey page asks; an empty text leaves a question out.
	Questions SurveyQuestions `yaml:"questions"`
}

// Changes says how people are told about changes.
type Changes struct {
	// UpdateYourDetailsURL is where people tell the council their information has changed.
	UpdateYourDetailsURL string `yaml:"update_your_details_url"`
	// Notify is how the council tells people it has changed something: NotifyContact or
	// NotifyReasonableSteps.
	Notify string `yaml:"notify"`
}

// Values of Changes.Notify.
const (
	NotifyContact         = "contact"          // "we will contact you to let you know"
	NotifyReasonableSteps = "reasonable-steps" // "we will take reasonable steps to inform you of the changes"
)

// RightIDs are the rights a policy may offer (UK GDPR Articles 15 to 22).
var RightIDs = []string{"access", "rectification", "erasure", "restriction", "portability", "objection", "automated-decisions"}

// Safeguards maps each transfer safeguard a policy may name to its description (UK GDPR
// Articles 45 and 46).
var Safeguards = map[string]string{
	"adequacy":    "UK adequacy regulations (UK GDPR Article 45)",
	"idta":        "ICO International Data Transfer Agreement (UK GDPR Article 46)",
	"uk-addendum": "ICO UK Addendum to the EU Standard Contractual Clauses (UK GDPR Article 46)",
}
