package policy

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

type validator struct {
	d    *decoder
	p    *Policy
	errs []*Error
}

func (v *validator) errf(path, format string, args ...any) {
	v.errs = append(v.errs, &Error{File: v.d.file, Line: v.d.line(path), Field: path, Msg: fmt.Sprintf(format, args...)})
}

var (
	idRE = regexp.MustCompile(`^[a-z0-9]+(?:[-_][a-z0-9]+)*$`)
	// articleRE accepts "6(1)(e)", "Article 6(1)(e)", "Art. 9(2)(h)"; Article 6(1) has points
	// (a)-(f), Article 9(2) has (a)-(j).
	articleRE = regexp.MustCompile(`^(?i)(?:(?:article|art\.?)\s*)?(6\(1\)\([a-f]\)|9\(2\)\([a-j]\))$`)
	phoneRE   = regexp.MustCompile(`^\+?[0-9]+(?: [0-9]+)*$`)
	// durationRE finds a literal period in notice prose ("12 months"): periods must come from
	// retention fields through {retention:KIND}, or the notice and the sweeper could disagree.
	durationRE = regexp.MustCompile(`(?i)\b\d+\s*-?\s*(?:day|week|month|year)s?\b`)
)

func (v *validator) validate() {
	p := v.p
	switch {
	case !v.d.has("version"):
		v.errf("version", "required (the only version is 1)")
	case p.Version != 1:
		v.errf("version", "unsupported version %d (the only version is 1)", p.Version)
	}
	v.organisation()
	v.rights()
	v.rightsRequests()
	if len(p.Systems) == 0 {
		v.errf("systems", "at least one system is required")
	}
	ids := map[string]string{}
	for i := range p.Systems {
		path := indexPath("systems", i)
		v.id(fieldPath(path, "id"), p.Systems[i].ID, ids)
		v.system(path, &p.Systems[i])
	}
	staffIDs := map[string]string{}
	for i, pr := range p.StaffProcessors {
		path := indexPath("staff_processors", i)
		v.id(path+".id", pr.ID, staffIDs)
		v.required(path+".name", pr.Name)
		v.required(path+".role", pr.Role)
		v.required(path+".receives", pr.Receives)
		v.list(path+".countries", len(pr.Countries), "at least one country or region where the processor handles the data is required")
		for j, c := range pr.Countries {
			if _, known := NormalizeLocation(c); !known {
				v.errf(indexPath(path+".countries", j), "unknown country or region code %q (use an ISO 3166-1 alpha-2 code such as GB or FR, or UK, EU, EEA)", c)
			}
		}
	}
}

func (v *validator) organisation() {
	o := &v.p.Organisation
	const path = "organisation"
	v.required(path+".name", o.Name)
	v.url(path+".website", o.Website, false)
	v.required(path+".data_protection_officer.email", o.DPO.Email)
	v.email(path+".data_protection_officer.email", o.DPO.Email)

	sa := &o.SupervisoryAuthority
	const saPath = path + ".supervisory_authority"
	v.required(saPath+".name", sa.Name)
	v.required(saPath+".address", sa.Address)
	v.url(saPath+".website", sa.Website, false)
	v.url(saPath+".complaint_url", sa.ComplaintURL, true)
	for i, ph := range sa.Phones {
		pp := indexPath(saPath+".phones", i)
		v.phone(pp+".number", ph.Number, true)
	}
	for i, ph := range o.PublicContacts.Phones {
		v.phone(indexPath(path+".public_contacts.phones", i), ph, true)
	}
	for i, a := range o.PublicContacts.Addresses {
		v.required(indexPath(path+".public_contacts.addresses", i), a)
	}
	v.references()
}

func (v *validator) rights() {
	seen := map[string]string{}
	hasAccess := false
	for i, r := range v.p.Rights {
		path := indexPath("rights", i)
		idPath := path + ".id"
		switch {
		case r.ID == "":
			v.errf(idPath, "required")
		case !slices.Contains(RightIDs, r.ID):
			v.errf(idPath, "unknown right %q (known: %s)", r.ID, strings.Join(RightIDs, ", "))
		case seen[r.ID] != "":
			v.errf(idPath, "duplicate id %q (first at %s)", r.ID, seen[r.ID])
		default:
			seen[r.ID] = path
		}
		hasAccess = hasAccess || r.ID == "access"
		v.required(path+".text", r.Text)
	}
	if !hasAccess {
		v.errf("rights", "the right of access (id: access) must be offered")
	}
}

func (v *validator) system(path string, s *System) {
	v.required(path+".name", s.Name)
	v.required(path+".title", s.Title)

	v.list(path+".information", len(s.Information), "at least one paragraph of information is required")
	v.list(path+".purposes", len(s.Purposes), "at least one purpose is required")
	v.list(path+".lawful_bases", len(s.LawfulBases), "at least one lawful basis is required")
	v.list(path+".data_subjects", len(s.DataSubjects), "at least one category of data subjects is required")
	v.list(path+".data_categories", len(s.DataCategories), "at least one category of personal data is required")
	v.list(path+".data_kinds", len(s.DataKinds), "at least one data kind is required")
	v.list(path+".security", len(s.Security), "at least one paragraph on security is required")

	ids := map[string]string{}
	for i, x := range s.NotFor {
		p := indexPath(path+".not_for", i)
		v.id(p+".id", x.ID, ids)
		v.required(p+".text", x.Text)
	}
	ids = map[string]string{}
	for i, pu := range s.Purposes {
		p := indexPath(path+".purposes", i)
		v.id(p+".id", pu.ID, ids)
		v.required(p+".name", pu.Name)
	}
	for i, d := range s.DataSubjects {
		v.required(indexPath(path+".data_subjects", i), d)
	}
	v.lawfulBases(path, s)
	ids = map[string]string{}
	for i, c := range s.DataCategories {
		p := indexPath(path+".data_categories", i)
		v.id(p+".id", c.ID, ids)
		v.required(p+".name", c.Name)
	}
	v.dataKinds(path, s)
	v.serviceAreas(path, s)
	ids = map[string]string{}
	for i, r := range s.Recipients {
		p := indexPath(path+".recipients", i)
		v.id(p+".id", r.ID, ids)
		v.required(p+".name", r.Name)
	}
	v.locations(path, s)
	if s.DropFolder != nil {
		p := path + ".drop_folder.failed_retention"
		switch {
		case !v.d.has(p):
			v.errf(p, "required: how long files that could not be imported stay in the drop folder's failed/ (for example {days: 7})")
		case s.DropFolder.FailedRetention.IsEvent():
			v.errf(p, "must be a period (days or months), not an event")
		default:
			v.retention(p, s.DropFolder.FailedRetention)
		}
	}
	for i, src := range s.Sources {
		p := indexPath(path+".sources", i)
		v.required(p+".name", src.Name)
		v.sourceURL(p+".url", src.URL)
	}
	v.survey(path, s)
	v.url(path+".changes.update_your_details_url", s.Changes.UpdateYourDetailsURL, false)
	switch s.Changes.Notify {
	case NotifyContact, NotifyReasonableSteps:
	case "":
		v.errf(path+".changes.notify", "required (%s or %s)", NotifyContact, NotifyReasonableSteps)
	default:
		v.errf(path+".changes.notify", "unknown value %q (use %s or %s)", s.Changes.Notify, NotifyContact, NotifyReasonableSteps)
	}
	v.prose(path, s)
}

func (v *validator) lawfulBases(path string, s *System) {
	seen := map[string]string{}
	art6, art9, invalid := 0, 0, 0
	for i := range s.LawfulBases {
		b := &s.LawfulBases[i]
		p := indexPath(path+".lawful_bases", i)
		v.required(p+".text", b.Text)
		if b.Article == "" {
			v.errf(p+".article", "required")
			invalid++
			continue
		}
		m := articleRE.FindStringSubmatch(strings.TrimSpace(b.Article))
		if m == nil {
			v.errf(p+".article", "%q is not a UK GDPR lawful basis; use 6(1)(a) to 6(1)(f) or, for special category data, 9(2)(a) to 9(2)(j)", b.Article)
			invalid++
			continue
		}
		b.Article = strings.ToLower(m[1])
		if first, dup := seen[b.Article]; dup {
			v.errf(p+".article", "duplicate lawful basis %s (first at %s)", b.Article, first)
		}
		seen[b.Article] = p
		if b.SpecialCategory() {
			art9++
		} else {
			art6++
		}
	}
	if invalid > 0 || len(s.LawfulBases) == 0 {
		return
	}
	if art6 == 0 {
		v.errf(path+".lawful_bases", "an Article 6(1) lawful basis is required; an Article 9(2) condition is not enough on its own")
	}
	switch special := s.HasSpecialCategoryData(); {
	case special && art9 == 0:
		v.errf(path+".lawful_bases", "the system has special category data (data_categories with special_category: true) but no Article 9(2) condition")
	case art9 > 0 && !special:
		v.errf(path+".lawful_bases", "an Article 9(2) condition is given but no data category has special_category: true")
	}
}

func (v *validator) dataKinds(path string, s *System) {
	ids := map[string]string{}
	for i, k := range s.DataKinds {
		p := indexPath(path+".data_kinds", i)
		v.id(p+".id", k.ID, ids)
		v.required(p+".name", k.Name)
		if !v.d.has(p + ".personal_data") {
			v.errf(p+".personal_data", "required: say whether this kind holds personal data (true or false)")
		}
		if v.d.has(p + ".retention") {
			v.retention(p+".retention", k.Retention)
		} else if k.PersonalData && k.ID != "" {
			var missing []string
			for _, a := range s.ServiceAreas {
				if _, ok := a.Retention[k.ID]; !ok {
					missing = append(missing, a.ID)
				}
			}
			switch {
			case len(s.ServiceAreas) == 0:
				v.errf(p+".retention", "required: personal data needs a retention period")
			case len(missing) > 0:
				v.errf(p+".retention", "required: personal data needs a retention period here or in every service area (missing in %s)", strings.Join(missing, ", "))
			}
		}
	}
}

func (v *validator) serviceAreas(path string, s *System) {
	ids := map[string]string{}
	var kinds []string
	for _, k := range s.DataKinds {
		kinds = append(kinds, k.ID)
	}
	for i, a := range s.ServiceAreas {
		p := indexPath(path+".service_areas", i)
		v.id(p+".id", a.ID, ids)
		v.required(p+".name", a.Name)
		v.areaSurvey(p+".survey", s, &s.ServiceAreas[i])
		for _, kind := range sortedKeys(a.Retention) {
			rp := fieldPath(p+".retention", kind)
			if kind == TrainingKey {
				v.trainingRetention(rp, a.Retention[kind])
				continue
			}
			if !slices.Contains(kinds, kind) {
				v.errf(rp, "unknown data kind %q (this system's data kinds: %s, or training)", kind, strings.Join(kinds, ", "))
				continue
			}
			if v.d.has(rp) {
				v.retention(rp, a.Retention[kind])
			} else {
				v.errf(rp, "retention must set months, days or until_event")
			}
		}
	}
}

func (v *validator) retention(path string, r Retention) {
	months, days, event := v.d.has(path+".months"), v.d.has(path+".days"), v.d.has(path+".until_event")
	switch {
	case !months && !days && !event:
		v.errf(path, "retention must set months, days or until_event")
		return
	case (months || days) && event:
		v.errf(path, "retention must set either a period (months, days) or until_event, not both")
		return
	}
	if months {
		switch {
		case r.Months <= 0:
			v.errf(path+".months", "must be a positive number of months, found %d", r.Months)
		case r.Months > MaxRetentionMonths:
			v.errf(path+".months", "%d months is more than the %d-month limit; is it a typo?", r.Months, MaxRetentionMonths)
		}
	}
	if days {
		switch {
		case r.Days <= 0:
			v.errf(path+".days", "must be a positive number of days, found %d", r.Days)
		case r.Days > MaxRetentionMonths*31:
			v.errf(path+".days", "%d days is more than the %d-month limit; is it a typo?", r.Days, MaxRetentionMonths)
		}
	}
	if event {
		if _, ok := LookupEvent(r.UntilEvent); !ok {
			var known []string
			for _, ev := range events {
				known = append(known, ev.ID)
			}
			v.errf(path+".until_event", "unknown event %q (known: %s)", r.UntilEvent, strings.Join(known, ", "))
		}
	}
}

// locations checks storage, transfers and processors against each other: data may only leave
// the UK for a listed transfer country, and a processor that stores data must store it in an
// allowed storage location.
func (v *validator) locations(path string, s *System) {
	storage := path + ".storage.locations"
	transfers := path + ".international_transfers"
	v.list(storage, len(s.Storage.Locations), "at least one storage location is required (e.g. UK)")
	valid := func(p string, codes []string) []string {
		var ok []string
		for i, c := range codes {
			cp := indexPath(p, i)
			norm, known := NormalizeLocation(c)
			if !known {
				v.errf(cp, "unknown country or region code %q (use an ISO 3166-1 alpha-2 code such as GB or FR, or UK, EU, EEA)", c)
				continue
			}
			ok = append(ok, norm)
		}
		return ok
	}
	allowedStorage := valid(storage, s.Storage.Locations)
	transferTo := valid(transfers+".countries", s.InternationalTransfers.Countries)
	for i, c := range s.InternationalTransfers.Countries {
		if IsUK(c) {
			v.errf(indexPath(transfers+".countries", i), "the UK is not an international transfer; list only places outside the UK")
		}
	}
	switch sg := s.InternationalTransfers.Safeguard; {
	case len(s.InternationalTransfers.Countries) > 0 && sg == "":
		v.errf(transfers+".safeguard", "required when there are international transfers (one of %s)", strings.Join(sortedKeys(Safeguards), ", "))
	case sg != "" && Safeguards[sg] == "":
		v.errf(transfers+".safeguard", "unknown safeguard %q (one of %s)", sg, strings.Join(sortedKeys(Safeguards), ", "))
	case sg != "" && len(s.InternationalTransfers.Countries) == 0:
		v.errf(transfers+".safeguard", "a safeguard is given but international_transfers.countries is empty")
	}
	outsideUK := func(p, code string) {
		if !IsUK(code) && !coveredByAny(transferTo, code) {
			v.errf(p, "%s is outside the UK but not in %s.countries", code, transfers)
		}
	}
	for i, c := range s.Storage.Locations {
		if _, known := NormalizeLocation(c); known {
			outsideUK(indexPath(storage, i), c)
		}
	}
	ids := map[string]string{}
	for i, pr := range s.Processors {
		p := indexPath(path+".processors", i)
		v.id(p+".id", pr.ID, ids)
		v.required(p+".name", pr.Name)
		v.required(p+".role", pr.Role)
		v.required(p+".receives", pr.Receives)
		v.list(p+".countries", len(pr.Countries), "at least one country or region where the processor handles the data is required")
		valid(p+".countries", pr.Countries)
		for j, c := range pr.Countries {
			cp := indexPath(p+".countries", j)
			if _, known := NormalizeLocation(c); !known {
				continue
			}
			outsideUK(cp, c)
			if pr.Stores && !coveredByAny(allowedStorage, c) {
				v.errf(cp, "the processor stores the data, but %s is not one of the system's storage.locations (%s)", c, strings.Join(s.Storage.Locations, ", "))
			}
		}
	}
}

func (v *validator) survey(path string, s *System) {
	sv := s.Survey
	if sv == nil {
		return
	}
	p := path + ".survey"
	v.required(p+".description", sv.Description)
	if sv.PhoneNumberKind == "" {
		v.errf(p+".phone_number_kind", "required: the data kind holding the numbers surveys are sent to")
	} else if k, ok := s.DataKind(sv.PhoneNumberKind); !ok {
		v.errf(p+".phone_number_kind", "unknown data kind %q", sv.PhoneNumberKind)
	} else if !k.Retention.IsEvent() {
		v.errf(p+".phone_number_kind", "data kind %q must be kept until_event (deleted when the survey request is sent), not %s", k.ID, k.Retention)
	}
	if sv.ResponseKind == "" {
		v.errf(p+".response_kind", "required: the data kind holding survey responses")
	} else if k, ok := s.DataKind(sv.ResponseKind); !ok {
		v.errf(p+".response_kind", "unknown data kind %q", sv.ResponseKind)
	} else if k.PersonalData {
		v.errf(p+".response_kind", "data kind %q holds personal data, but the notice promises survey responses do not", k.ID)
	}
}

// prose checks the free text a notice shows: placeholders must resolve and periods of time must
// come from retention fields, not be written out.
func (v *validator) prose(path string, s *System) {
	namesSources, before := false, len(v.errs)
	check := func(p, text string) {
		if text == "" {
			return
		}
		namesSources = namesSources || strings.Contains(text, "{sources}")
		if m := durationRE.FindString(text); m != "" {
			v.errf(p, "literal period %q in notice text; use {retention:KIND} so the notice follows the retention policy", m)
		}
		if _, err := s.expand(text); err != nil {
			v.errf(p, "%v", err)
		}
	}
	check(path+".applies_to", s.AppliesTo)
	check(path+".description", s.Description)
	for i, x := range s.NotFor {
		check(indexPath(path+".not_for", i)+".text", x.Text)
	}
	for i, t := range s.Information {
		check(indexPath(path+".information", i), t)
	}
	for i, t := range s.Why {
		check(indexPath(path+".why", i), t)
	}
	for i, t := range s.Security {
		check(indexPath(path+".security", i), t)
	}
	for i, pu := range s.Purposes {
		p := indexPath(path+".purposes", i)
		check(p+".name", pu.Name)
		check(p+".description", pu.Description)
	}
	if s.Survey != nil {
		check(path+".survey.description", s.Survey.Description)
	}
	// The knowledge base takes pages only from the listed sources, and residents must be told
	// which sites those are. (A misspelt placeholder has been reported already.)
	if len(s.Sources) > 0 && !namesSources && len(v.errs) == before {
		v.errf(path+".sources", "%v", errSourcesUnnamed)
	}
}

func (v *validator) required(path, value string) {
	if strings.TrimSpace(value) == "" {
		v.errf(path, "required")
	}
}

func (v *validator) list(path string, n int, msg string) {
	if n == 0 {
		v.errf(path, "%s", msg)
	}
}

// id checks an id is present, well formed and unique among seen (id -> path of first use).
func (v *validator) id(path, id string, seen map[string]string) {
	switch {
	case id == "":
		v.errf(path, "required")
	case !idRE.MatchString(id):
		v.errf(path, "%q is not a valid id (lower-case letters and digits separated by - or _)", id)
	case seen[id] != "":
		v.errf(path, "duplicate id %q (first at %s)", id, seen[id])
	default:
		seen[id] = path
	}
}

func (v *validator) email(path, value string) {
	if value == "" {
		return
	}
	if !validEmail(value) {
		v.errf(path, "%q is not an email address", value)
	}
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	_, domain, _ := strings.Cut(s, "@")
	return strings.Contains(domain, ".") && !strings.ContainsAny(s, " <>\"")
}

func (v *validator) url(path, value string, required bool) {
	if value == "" {
		if required {
			v.errf(path, "required")
		}
		return
	}
	if !validURL(value) {
		v.errf(path, "%q is not a web address (https://host/...)", value)
	}
}

func validURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil || u.Opaque != "" {
		return false
	}
	host := u.Hostname()
	return strings.Contains(host, ".") && !strings.HasPrefix(host, ".") && !strings.HasSuffix(host, ".") &&
		!strings.ContainsAny(s, " \t\n<>\"")
}

// sourceURL checks a source's address: http or https with a host. Unlike other addresses the
// host may be a single label (an intranet name, localhost), since only the host is matched.
func (v *validator) sourceURL(path, value string) {
	if value == "" {
		v.errf(path, "required")
		return
	}
	u, err := url.Parse(value)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil || u.Opaque != "" ||
		u.Hostname() == "" || strings.HasPrefix(u.Hostname(), ".") || strings.ContainsAny(value, " \t\n<>\"") {
		v.errf(path, "%q is not a web address (https://host/...)", value)
	}
}

func (v *validator) phone(path, value string, required bool) {
	if value == "" {
		if required {
			v.errf(path, "required")
		}
		return
	}
	digits := 0
	for _, r := range value {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	if !phoneRE.MatchString(value) || digits < 10 || digits > 15 {
		v.errf(path, "%q is not a telephone number (10 to 15 digits, spaces allowed, e.g. \"0116 232 3232\")", value)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
