package notice

import (
	"encoding/csv"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"strings"

	"github.com/fairline/fairline/internal/policy"
)

// The record of processing activities (UK GDPR Article 30(1)) has one row per system × purpose.
//
// A purpose is the unit the law asks controllers to account for: purpose limitation
// (Article 5(1)(b)) and the lawful basis are per purpose, and the ICO's record template has a
// row per processing purpose. So each row is self-contained (it repeats the controller, data,
// recipients, retention and security of its system) and can be filtered, sorted or pasted into
// the council's corporate record without losing anything.

// ROPAColumns are the record's columns; the letters refer to Article 30(1).
var ROPAColumns = []string{
	"Processing activity",                    // system: purpose
	"System",                                 // systems[].name
	"System ID",                              // systems[].id
	"Purpose",                                // (b) purposes[].name
	"Purpose ID",                             // purposes[].id
	"Purpose description",                    // purposes[].description
	"Controller",                             // (a) organisation.name
	"Controller contact details",             // (a) organisation.address, public_contacts, website
	"Data protection officer",                // (a) organisation.data_protection_officer
	"Lawful basis (Article 6)",               // lawful_bases 6(1)
	"Special category condition (Article 9)", // lawful_bases 9(2)
	"Categories of data subjects",            // (c) data_subjects
	"Categories of personal data",            // (c) data_categories
	"Categories of recipients",               // (d) recipients and processors
	"Processors",                             // processors
	"International transfers",                // (e) international_transfers.countries
	"Transfer safeguards",                    // (e) international_transfers.safeguard
	"Storage locations",                      // storage.locations
	"Retention",                              // (f) data_kinds and service_areas retention
	"Security measures",                      // (g) security
	"Policy SHA-256",                         // which policy the row comes from
}

// ropaRows returns one row per system × purpose; each cell is a list of values (joined with
// "; " in CSV, a bulleted list in HTML).
func ropaRows(p *policy.Policy) ([][][]string, error) {
	if p == nil {
		return nil, errors.New("notice: no policy")
	}
	o := p.Organisation
	contact := []string{}
	if o.Address != "" {
		contact = append(contact, o.Address)
	}
	contact = append(contact, o.PublicContacts.Phones...)
	if o.Website != "" {
		contact = append(contact, o.Website)
	}
	dpo := []string{o.DPO.Email}
	if o.DPO.Team != "" {
		dpo = []string{o.DPO.Team, o.DPO.Email}
	}

	var rows [][][]string
	for i := range p.Systems {
		s := &p.Systems[i]
		shared := systemCells(s)
		for _, pu := range s.Purposes {
			row := [][]string{
				{s.Name + ": " + clean(pu.Name)},
				{s.Name},
				{s.ID},
				{clean(pu.Name)},
				{pu.ID},
				orDefault("Not recorded", clean(pu.Description)),
				{o.Name},
				contact,
				dpo,
			}
			row = append(row, shared...)
			row = append(row, []string{p.Hash()})
			if len(row) != len(ROPAColumns) {
				return nil, fmt.Errorf("notice: ROPA row has %d cells, want %d", len(row), len(ROPAColumns))
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}

// systemCells are the cells from "Lawful basis (Article 6)" to "Security measures".
func systemCells(s *policy.System) [][]string {
	bases := func(bs []policy.LawfulBasis) []string {
		var out []string
		for _, b := range bs {
			out = append(out, b.Ref()+": "+clean(b.Text))
		}
		return out
	}
	var categories []string
	for _, c := range s.DataCategories {
		name := clean(c.Name)
		if c.SpecialCategory {
			name += " (special category)"
		}
		categories = append(categories, name)
	}
	var recipients, processors []string
	for _, r := range s.Recipients {
		recipients = append(recipients, r.Name)
	}
	for _, pr := range s.Processors {
		recipients = append(recipients, pr.Name+" (processor)")
		stores := "does not store the data"
		if pr.Stores {
			stores = "stores the data"
		}
		processors = append(processors, fmt.Sprintf("%s (%s; receives: %s; %s; processes in: %s)",
			pr.Name, clean(pr.Role), clean(pr.Receives), stores, strings.Join(pr.Countries, ", ")))
	}
	transfers := []string{"None: not sent outside the UK"}
	safeguard := []string{"Not applicable"}
	if tr := s.InternationalTransfers; len(tr.Countries) > 0 {
		transfers = nil
		for _, c := range tr.Countries {
			transfers = append(transfers, c+" ("+policy.LocationName(c)+")")
		}
		safeguard = []string{policy.Safeguards[tr.Safeguard]}
	}
	var storage []string
	for _, c := range s.Storage.Locations {
		storage = append(storage, c+" ("+policy.LocationName(c)+")")
	}
	var retention []string
	for _, k := range s.DataKinds {
		label := clean(k.Name) + " (" + k.ID + ")"
		switch {
		case s.RetentionVariesByArea(k.ID):
			for i := range s.ServiceAreas {
				a := &s.ServiceAreas[i]
				retention = append(retention, fmt.Sprintf("%s, %s: %s", label, a.Name, s.AreaRetention(k.ID, a)))
			}
		case !k.Retention.IsZero():
			retention = append(retention, label+": "+k.Retention.String())
		case !k.PersonalData:
			retention = append(retention, label+": no personal data")
		}
	}
	for _, a := range s.ServiceAreas {
		if r, ok := s.TrainingRetention(a.ID); ok {
			retention = append(retention, fmt.Sprintf("copies of calls chosen for training (retention.training), %s: %s from when chosen", a.Name, r))
		}
	}
	if s.DropFolder != nil {
		retention = append(retention, "files that could not be imported from the drop folder (drop_folder.failed_retention): "+
			s.FailedImportRetention().String())
	}
	var security []string
	for _, t := range s.Security {
		security = append(security, clean(t))
	}
	return [][]string{
		orNone(bases(s.Article6())...),
		orNone(bases(s.Article9())...),
		s.DataSubjects,
		categories,
		orNone(recipients...),
		orNone(processors...),
		transfers,
		safeguard,
		storage,
		retention,
		security,
	}
}

func orNone(values ...string) []string { return orDefault("None", values...) }

// orDefault drops empty values and returns def alone when none is left.
func orDefault(def string, values ...string) []string {
	var out []string
	for _, v := range values {
		if v != "" {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return []string{def}
	}
	return out
}

// ROPACSV writes the Article 30(1) record of processing activities as CSV: a header row
// (ROPAColumns), then one row per system × purpose; a cell with several values joins them
// with "; ".
func ROPACSV(w io.Writer, p *policy.Policy) error {
	rows, err := ropaRows(p)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(ROPAColumns); err != nil {
		return err
	}
	for _, row := range rows {
		rec := make([]string, len(row))
		for i, cell := range row {
			rec[i] = strings.Join(cell, "; ")
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

type ropaView struct {
	Controller string
	Source     string
	Hash       string
	Header     []string
	Rows       [][][]string
}

func ropaData(p *policy.Policy) (*ropaView, error) {
	rows, err := ropaRows(p)
	if err != nil {
		return nil, err
	}
	return &ropaView{Controller: p.Organisation.Name, Source: p.Source, Hash: p.Hash(), Header: ROPAColumns, Rows: rows}, nil
}

// ROPAHTML renders the record as an HTML fragment: an h1, a sentence naming the controller and
// the policy, and one GOV.UK table with the same columns and rows as ROPACSV (column headers
// scoped to columns, the processing activity as each row's header).
func ROPAHTML(p *policy.Policy) (htmltemplate.HTML, error) {
	v, err := ropaData(p)
	if err != nil {
		return "", err
	}
	return executeHTML("ropa", v)
}

// ROPAHTMLDocument writes the record as a complete, standalone HTML5 page.
func ROPAHTMLDocument(w io.Writer, p *policy.Policy) error {
	body, err := ROPAHTML(p)
	if err != nil {
		return err
	}
	return writeDocument(w, "Record of processing activities - "+p.Organisation.Name, body)
}
