package extract

// DefaultRules classify pages of a typical English county or unitary council website. The first
// five area ids are the service areas of the embedded policy (internal/policy/default.yaml); the
// others are common council services a chatbot is asked about, reported as their own areas. A
// deployment whose policy lacks an area can drop its rule (pages then classify as another area
// or as "", which reports as unknown).
//
// Terms are deliberately specific: a word such as "care", "road", "bus" or "send" alone appears on
// too many pages (or is a common verb) to be evidence.
func DefaultRules() []Rule {
	return []Rule{
		{
			Area: "adult-social-care",
			PathPrefixes: []string{"/adult-social-care", "/adult-health-and-social-care", "/adults",
				"/social-care-and-health", "/care-and-support", "/adult-care", "/health-and-social-care"},
			Terms: []string{"adult social care", "social care", "care assessment", "needs assessment",
				"carer", "care home", "home care", "personal budget", "direct payments", "care act",
				"safeguarding adults", "adult safeguarding", "disabled facilities grant", "assistive technology",
				"telecare", "reablement", "occupational therapy", "deferred payment", "financial assessment",
				"paying for care", "dementia", "learning disability", "mental health", "blue badge",
				"disabled parking"},
		},
		{
			Area: "children-and-family-services",
			PathPrefixes: []string{"/children", "/children-and-families", "/childrens-services",
				"/education", "/schools", "/school", "/early-years", "/childcare", "/young-people",
				"/family-information", "/send", "/fostering", "/adoption"},
			Terms: []string{"children's services", "childrens services", "child protection", "safeguarding children",
				"school admissions", "school place", "school transport", "free school meals", "special educational needs",
				"ehcp", "education health and care plan", "fostering", "foster carer", "adoption",
				"childcare", "early years", "nursery", "children's centre", "family hub", "young carer",
				"youth service", "care leaver", "parenting"},
		},
		{
			Area: "environment-and-transport",
			PathPrefixes: []string{"/environment", "/environment-and-transport", "/roads", "/highways",
				"/transport", "/travel", "/parking", "/waste", "/recycling", "/bins", "/rubbish",
				"/roads-and-transport", "/rubbish-and-recycling", "/bins-and-recycling", "/planning",
				"/flooding", "/countryside", "/public-rights-of-way", "/streets"},
			Terms: []string{"recycling centre", "household waste", "waste", "recycling", "bin", "bins",
				"refuse", "rubbish", "fly tipping", "fly-tipping", "pothole", "potholes", "road works", "roadworks",
				"street lighting", "streetlight", "gritting", "highways", "bus pass", "concessionary travel",
				"public transport", "parking permit", "dropped kerb", "footpath", "rights of way",
				"flooding", "flood", "planning application", "minerals and waste", "countryside", "country park",
				"speed limit"},
		},
		{
			Area: "trading-standards",
			PathPrefixes: []string{"/trading-standards", "/business/trading-standards", "/consumer",
				"/scams"},
			Terms: []string{"trading standards", "scam", "scams", "rogue trader", "rogue traders", "doorstep crime",
				"counterfeit", "consumer protection", "consumer rights", "product safety", "underage sales",
				"weights and measures", "animal health", "fair trading", "citizens advice consumer"},
		},
		{
			Area:         "first-contact-plus",
			PathPrefixes: []string{"/first-contact-plus", "/wellbeing", "/community-support"},
			Terms: []string{"first contact plus", "wellbeing", "loneliness", "befriending", "community support",
				"cost of living", "household support fund", "money advice", "debt advice", "welfare rights",
				"benefits advice"},
		},
		{
			Area:         "libraries-and-culture",
			PathPrefixes: []string{"/libraries", "/library", "/libraries-leisure-and-culture", "/museums", "/heritage", "/archives", "/arts", "/leisure"},
			Terms: []string{"library", "libraries", "library card", "e-books", "ebooks", "borrow books", "mobile library",
				"museum", "museums", "record office", "archives", "heritage", "leisure centre"},
		},
		{
			Area:         "registration",
			PathPrefixes: []string{"/births-deaths-marriages", "/births-deaths-marriages-and-citizenship", "/registration", "/register-office", "/registrars"},
			Terms: []string{"register a birth", "register a death", "registering a birth", "registering a death",
				"birth certificate", "death certificate", "marriage", "civil partnership", "citizenship ceremony",
				"register office", "registrar", "registrars", "wedding", "tell us once"},
		},
		{
			Area:         "council-tax-and-benefits",
			PathPrefixes: []string{"/council-tax", "/benefits", "/council-tax-and-benefits", "/housing-benefit"},
			Terms: []string{"council tax", "council tax reduction", "council tax support", "single person discount",
				"housing benefit", "council tax band", "business rates"},
		},
		{
			Area:         "housing",
			PathPrefixes: []string{"/housing", "/homelessness"},
			Terms: []string{"homeless", "homelessness", "housing register", "social housing", "council housing",
				"housing association", "tenancy", "landlord", "private renting"},
		},
	}
}
