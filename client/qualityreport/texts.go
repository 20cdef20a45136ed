package qualityreport

import (
	"fmt"

	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/identity"
)

// Lang is the language of a report.
type Lang string

const (
	English Lang = "en"
	Dutch   Lang = "nl"
)

// ParseLang reads -lang.
func ParseLang(s string) (Lang, error) {
	switch Lang(s) {
	case English, "":
		return English, nil
	case Dutch:
		return Dutch, nil
	}
	return "", fmt.Errorf("-lang: want nl or en, not %q", s)
}

// texts are a report's words in one language.
type texts struct {
	lang                                                     Lang
	title, summarySheet, problemsSheet                       string
	columns                                                  [10]string // of the CSV report
	run, total, code, field, problem                         string     // its sections
	time, tool, institution, input, mode, domain, keyVersion string
	encoding, separator, status, completed, failed           string
	records, accepted, rejected, warnings, problems          string
	wholeRecord                                              string
	count, severityWord, message, column, line, row          string
	severities                                               map[string]string
	separators                                               map[rune]string
}

var english = &texts{
	lang:  English,
	title: "ttp quality report", summarySheet: "Summary", problemsSheet: "Problems",
	columns: [10]string{"section", "item", "value", "row", "line", "column", "field", "code", "severity", "message"},
	run:     "run", total: "total", code: "code", field: "field", problem: "problem",
	time: "time", tool: "tool", institution: "institution", input: "input", mode: "mode", domain: "domain", keyVersion: "key version",
	encoding: "encoding", separator: "separator", status: "status", completed: "completed", failed: "failed",
	records: "records", accepted: "accepted", rejected: "rejected", warnings: "warnings", problems: "problems",
	wholeRecord: "(record)",
	count:       "count", severityWord: "severity", message: "message", column: "column", line: "line", row: "row",
	severities: map[string]string{
		client.SeverityFileRejected: client.SeverityFileRejected, client.SeverityFileWarning: client.SeverityFileWarning,
		client.SeverityRecordRejected: client.SeverityRecordRejected, client.SeverityWarning: client.SeverityWarning,
	},
	separators: map[rune]string{',': "comma", ';': "semicolon", '\t': "tab", '|': "vertical bar"},
}

var dutch = &texts{
	lang:  Dutch,
	title: "ttp-kwaliteitsrapport", summarySheet: "Samenvatting", problemsSheet: "Meldingen",
	columns: [10]string{"onderdeel", "onderwerp", "waarde", "rij", "regel", "kolom", "veld", "code", "ernst", "melding"},
	run:     "uitvoering", total: "totaal", code: "code", field: "veld", problem: "melding",
	time: "tijdstip", tool: "programma", institution: "instelling", input: "invoerbestand", mode: "opdracht", domain: "domein", keyVersion: "sleutelversie",
	encoding: "tekenset", separator: "scheidingsteken", status: "status", completed: "voltooid", failed: "mislukt",
	records: "records", accepted: "geaccepteerd", rejected: "afgekeurd", warnings: "waarschuwingen", problems: "meldingen",
	wholeRecord: "(record)",
	count:       "aantal", severityWord: "ernst", message: "melding", column: "kolom", line: "regel", row: "rij",
	severities: map[string]string{
		client.SeverityFileRejected: "bestand afgekeurd", client.SeverityFileWarning: "waarschuwing bij het bestand",
		client.SeverityRecordRejected: "record afgekeurd", client.SeverityWarning: "waarschuwing",
	},
	separators: map[rune]string{',': "komma", ';': "puntkomma", '\t': "tab", '|': "verticale streep"},
}

func textsFor(l Lang) *texts {
	if l == Dutch {
		return dutch
	}
	return english
}

func (t *texts) severity(code string) string { return t.severities[client.Severity(code)] }

// codeMessage is a code's fixed text, in the report's language.
func (t *texts) codeMessage(code string) string {
	if t.lang == Dutch {
		if m, ok := dutchMessages[code]; ok {
			return m
		}
	}
	return identity.Code(code).Message()
}

// lineMessage is a problem's message. In English it is the message as
// found, which may say more than the code (the column, the line where a
// quote went wrong); in Dutch it is the code's Dutch text, since those
// details are in the report's other columns or in the English report.
func (t *texts) lineMessage(l client.ReportLine) string {
	if t.lang == Dutch {
		if m, ok := dutchMessages[l.Code]; ok {
			return m
		}
	}
	return l.Message
}

// dutchMessages are the codes' texts in Dutch: every code in identity.Codes
// (a test checks it).
var dutchMessages = map[string]string{
	"F-101": "BSN bevat andere tekens dan cijfers, spaties, punten en koppeltekens",
	"F-102": "BSN heeft geen 9 cijfers (8 cijfers worden aangevuld)",
	"F-103": "BSN voldoet niet aan de elfproef",
	"F-104": "BSN bestaat alleen uit nullen",
	"W-101": "BSN had 8 cijfers en is aangevuld met een voorloopnul",

	"F-201": "achternaam bevat geen letters",
	"F-202": "achternaam bevat cijfers",
	"F-203": "achternaam bevat andere tekens dan letters, spaties, koppeltekens, apostrofs, punten en komma's",
	"F-204": "achternaam bevat een komma die niet alleen door een voorvoegsel wordt gevolgd (verwacht bijv. 'Berg, van der')",
	"W-201": "achternaam bevat letters buiten het Latijnse schrift; andere bronnen kunnen die anders transcriberen",
	"F-211": "voornamen bevatten geen letters",
	"F-212": "voornamen bevatten cijfers",
	"F-213": "voornamen bevatten andere tekens dan letters, spaties, koppeltekens, apostrofs en punten",
	"W-211": "voornamen lijken voorletters; alleen de voorletters worden gebruikt",
	"W-212": "voornamen bevatten letters buiten het Latijnse schrift; andere bronnen kunnen die anders transcriberen",
	"F-221": "voorletters bevatten geen letters",
	"F-222": "voorletters bevatten andere tekens dan letters, punten, spaties en koppeltekens",

	"F-301": "geboortedatum heeft geen herkende notatie (jjjj-mm-dd, dd-mm-jjjj, d-m-jjjj, jjjjmmdd, d/m/jjjj)",
	"F-302": "geboortedatum bestaat niet in de kalender",
	"F-303": "geboortedatum ligt in de toekomst",
	"F-304": "geboortedatum ligt voor 1880-01-01",

	"F-401": "Nederlandse postcode is geen 4 cijfers (de eerste geen 0) gevolgd door 2 letters",
	"F-402": "Nederlandse postcode heeft de letters SA, SD of SS, die nooit worden uitgegeven",
	"F-403": "postcode is niet Nederlands en begint niet met een bekende ISO 3166-landcode",
	"F-404": "buitenlandse postcode is leeg, langer dan 10 tekens, of bevat andere tekens dan letters en cijfers",
	"F-411": "huisnummer begint niet met een getal groter dan nul",
	"F-412": "huisnummer heeft meer dan 5 cijfers",
	"F-413": "huisnummertoevoeging is langer dan 10 tekens of bevat andere tekens dan letters en cijfers",

	"F-501": "AGB-code heeft geen 8 cijfers",
	"F-502": "patiëntnummer zonder geldige AGB-code van de instelling",
	"F-503": "patiëntnummer is leeg",
	"F-504": "patiëntnummer is langer dan 64 tekens",
	"F-505": "patiëntnummer bevat stuurtekens of is geen geldige UTF-8",
	"F-506": "patiëntnummer ontbreekt: een record in de persoonsindex heeft het patiëntnummer nodig, of een bronnaam voor het bestand",
	"F-507": "AGB-code hoort niet bij de codes waaronder de organisatie mag registreren",

	"F-601": "geslacht is geen herkende code (M, V, F, X, O, U, 0, 1, 2, 9, man, vrouw, male, female)",
	"W-601": "geslacht is vastgelegd als onbekend",

	"W-102": "BSN is ongeldig: de persoonsindex gebruikt hem niet als identificatie, maar vergelijkt een BSN die niet door de elfproef komt alleen met andere BSN's als mogelijke tikfout",
	"W-202": "achternaam is ongeldig: de persoonsindex vergelijkt hem met cijfers als letters gelezen en andere tekens weggelaten, of negeert hem",
	"W-213": "voornamen zijn ongeldig: de persoonsindex vergelijkt ze met cijfers als letters gelezen en andere tekens weggelaten, of negeert ze",
	"W-223": "voorletters zijn ongeldig: de persoonsindex negeert ze",
	"W-302": "geboortedatum is ongeldig: de persoonsindex vergelijkt de mogelijke delen (jaar, maand, dag) van een datum die niet bestaat, en negeert elke andere",
	"W-402": "postcode is ongeldig: de persoonsindex vergelijkt de eerste 4 cijfers, als hij daarmee begint, en negeert de rest",
	"W-412": "huisnummer is ongeldig: de persoonsindex vergelijkt het nummer, als het daarmee begint, en negeert de rest",
	"W-602": "geslacht is geen bekende code: de persoonsindex negeert het",
	"F-704": "achtergehouden: de persoon staat niet meer in de index",
	"W-801": "datum niet in een bekend formaat of niet in de kalender: onderdrukt in de uitlevering",
	"W-802": "postcode is niet Nederlands en heeft dus geen 4-cijferig gebied: onderdrukt in de uitlevering",
	"W-803": "postcodegebied staat niet in het regiobestand: onderdrukt in de uitlevering",
	"W-804": "datum ligt na de peildatum van de leeftijd: onderdrukt in de uitlevering",
	"W-805": "quasi-identificator onderdrukt zodat de klasse van het record minstens k records telt",
	"F-801": "record weggelaten uit de uitlevering: zijn klasse van quasi-identificatoren telt minder dan k records",
	"F-802": "record weggelaten uit de uitlevering: onder k, ook met elke quasi-identificator onderdrukt",
	"F-905": "de patiënt heeft bezwaar gemaakt tegen registratie: het record wordt niet geregistreerd",
	"F-701": "persoonspseudoniem is misvormd (niet v<versie>.<26 base32-tekens>)",
	"F-702": "geen persoonspseudoniem van het brondomein (van een ander domein, een veldpseudoniem, of verkeerd overgenomen)",
	"F-703": "persoonspseudoniem onder een sleutelversie die het brondomein niet heeft",

	"F-901": "record heeft geen enkele identificerende waarde",
	"W-901": "waarde ontbreekt",
	"F-902": "rij heeft een ander aantal kolommen dan de kopregel",
	"F-903": "een gekoppelde kolom is geen geldige UTF-8",
	"F-904": "record heeft te weinig gegevens voor de persoonsindex: nodig zijn BSN en geboortedatum, of achternaam, geboortedatum en voornamen, voorletters of postcode",
	"F-910": "een waarde is langer dan 1.024 bytes, het meeste dat de TTP aanneemt",

	"BF-001": "bestand is geen leesbaar CSV-tekstbestand (binaire inhoud of NUL-bytes)",
	"BF-002": "aanhalingstekens in de CSV kloppen niet",
	"BF-003": "bestand heeft geen kopregel",
	"BF-004": "een kolomnaam komt twee keer voor in de kopregel",
	"BF-005": "een gekoppelde kolom ontbreekt in de kopregel",
	"BF-006": "een niet-gekoppelde kolom bevat identificerende gegevens en zou ongewijzigd in de uitvoer komen",

	"BW-001": "bestand is geen UTF-8 (maar Windows-1252 of UTF-16): het is zo gelezen, en de uitvoer is UTF-8",
	"BW-002": "bestand is UTF-8, maar sommige bytes niet: die zijn als Windows-1252 gelezen. Controleer de letters met accenten",
	"BW-003": "rijen met bytes die geen UTF-8 zijn in kolommen die ongewijzigd worden doorgegeven: ze staan zo in de uitvoer",
}
