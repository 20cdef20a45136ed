package synth

import "strings"

// The name tables. All names are common public surnames and given names;
// combinations are random, so no generated person is a real one.

// A name is a family name: a surname prefix (tussenvoegsel) and a core.
type name struct{ prefix, core string }

func (n name) String() string {
	if n.prefix == "" {
		return n.core
	}
	return n.prefix + " " + n.core
}

// parseNames splits "van den|Berg,de|Jong,Jansen" style lists: entries
// separated by commas, an optional prefix before "|". Duplicates are
// dropped, keeping the first (highest ranked) occurrence.
func parseNames(s string) []name {
	var out []name
	seen := map[string]bool{}
	for _, e := range strings.Split(s, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		var n name
		if p, c, ok := strings.Cut(e, "|"); ok {
			n = name{p, c}
		} else {
			n = name{"", e}
		}
		if !seen[n.String()] {
			seen[n.String()] = true
			out = append(out, n)
		}
	}
	return out
}

func parseList(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" && !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}

// dutchFamilyNames: the most frequent Dutch family names, roughly in order
// of frequency; drawn with a Zipf-like weight by rank.
var dutchFamilyNames = parseNames(`
de|Jong, Jansen, de|Vries, van den|Berg, van|Dijk, Bakker, Janssen, Visser, Smit, Meijer,
de|Boer, Mulder, de|Groot, Bos, Vos, Peters, Hendriks, van|Leeuwen, Dekker, Brouwer,
de|Wit, Dijkstra, Smits, de|Graaf, van der|Meer, van der|Linden, Kok, Jacobs, de|Haan, Vermeulen,
van den|Heuvel, van der|Veen, van den|Broek, de|Bruijn, de|Bruin, van der|Heijden, Schouten, van|Beek, Willems, van|Vliet,
van de|Ven, Hoekstra, Maas, Verhoeven, Koster, van|Dam, van der|Wal, Prins, Blom, Huisman,
Peeters, de|Jonge, Kuipers, van|Veen, Post, Kuiper, Veenstra, Kramer, van den|Brink, Scholten,
van|Wijk, Postma, Martens, Vink, de|Ruiter, Timmermans, Groen, Gerritsen, Jonker, van|Loon,
Boersma, van der|Velde, Willemsen, Goossens, de|Klerk, van der|Laan, van|Doorn, Jansma, Hermans, Verbeek,
Evers, van den|Bosch, Wouters, de|Lange, Brink, van|Dongen, Mertens, Hofman, Kroon, Koning,
van der|Ploeg, Sanders, Bosch, Vermeer, van|Rijn, Schipper, Hoogendoorn, Claassen, Bosman, Molenaar,
van der|Horst, Verschuren, Kuijpers, Heijnen, Verhagen, van der|Zee, Wijnen, Hoogland, van|Rooij, Koopman,
van|Es, Bouwman, van der|Sluis, Driessen, Lammers, Zwart, Aarts, van|Gils, van|Os, Donkers,
Hoek, Bouma, Kamphuis, Steenbergen, Wolters, Dam, Teunissen, Franken, van|Oosterhout, Pieters,
de|Bruyn, Veldhuis, Schuurman, Smeets, Nijhuis, de|Koning, van|Zanten, Rutten, de|Wilde, Verstappen,
Mol, van|Vugt, Timmer, van|Hout, Boon, van|Kempen, Kool, Schaap, Groot, de|Vos,
Dekkers, Hoekman, Mulders, Spijkerman, van|Laar, Koenen, van|Helden, Brinkman, Stam, Hartman,
Huijbregts, van der|Steen, Jongman, de|Rooij, van|Ham, Kersten, Kuijper, Nieuwenhuis, Hendriksen, Pronk,
Verheul, Fokkema, Terpstra, Zijlstra, Bosma, Wiersma, Kingma, Sluiter, Roos, Zuidema,
van|Ommen, Ouwehand, Heemskerk, Langeveld, van|Schaik, Ros, Blok, Hagen, Veldman, Hoving,
Slot, Klaassen, Lubbers, van|Beers, Kuijt, Doornbos, Haverkamp, Geerts, Michiels, Spaan,
van|Essen, van der|Kolk, van der|Pol, ten|Have, ter|Horst, ten|Berge, te|Riele, ter|Haar, van 't|Hof, in 't|Veld,
van der|Schaaf, van der|Burg, van der|Wiel, van der|Weijden, van|Egmond, van|Rossum, van|Tol, Lindeman, de|Ridder, Verweij,
Dirks, van|Asten, Coenen, Thijssen, Lemmens, Claessens, Jorissen, Hermsen, Gielen, Janssens,
Kessels, Brouwers, Wijnands, van|Bergen, van|Dalen, van|Hulst, van|Houten, van|Bommel, van|Eijk, van|Dort,
Reijnders, Arts, Verhoef, Hoogeveen, Bruins, Snijders, Schouten, Swinkels, van|Wijngaarden, Ligthart,
van|Kessel, Kok, Mooij, de|Groot, Kleijn, de|Kok, Mulderij, Vos, Elzinga, Hovinga,
Brands, Cornelissen, van|Vliet, de|Man, Meijers, Koch, van|Poppel, Hoogenboom, van|Wijk, Baas,
Visscher, Dijkhuizen, van|Duijn, Blokland, Vissers, Hazeleger, van|Gelder, Verbruggen, Smulders, van|Mierlo,
Tromp, van|Veldhoven, Rijken, Kuiters, Wagenaar, de|Leeuw, Spronk, van der|Vaart, Kuijpers, de|Beer,
van|Amerongen, Bloemendaal, Ooms, Ruijter, Oosterveld, de|Waal, Meulenbroek, Bouwmeester, Vonk, Boekhout,
van|Rijswijk, de|Heer, Schols, Polman, Heijboer, van|Putten, Jongeneel, Breedveld, van|Seters, Mostert,
Nauta, Koopmans, van|Straaten, Haak, van|Aken, van|Baal, Tuinman, Zandbergen, Stoffels, van|Geel,
Scheffer, van|Beek, Zomer, Winter, Hoogstraten, Nijland, Alberts, Hoeksema, Rietveld, Kemper,
Pot, de|Hoog, Veerman, van|Noort, Wolf, Kruijt, van|Marle, Schoonderwoerd, van|Woerden, Lagerweij,
Meester, van|Erp, Verkerk, Otten, Knol, Mast, Buijs, Beekman, van|Rooijen, Rademaker,
Hulshof, Kamp, van|Lent, Boertien, Mensink, Wassink, Nijenhuis, ter|Beek, Kolkman
`)

// tailParts build the long tail of rare Dutch family names ("Hoogveld",
// "van Brinkhorst"): about three in ten Dutch persons have a name outside
// the top list, as in the real population where the top few hundred names
// cover only a minority.
var (
	tailHeads = parseList(`Hoog, Laag, Groot, Klein, Brink, Kamp, Veld, Berg, Dijk, Bosch, Broek, Hof, Huis, Mol, Molen,
Ooster, Wester, Zuider, Noorder, Nieuwen, Oude, Steen, Sloot, Water, Hout, Linde, Eik, Wil, Zand, Beek, Vliet, Haar,
Hage, Kerk, Boom, Bloem, Akker, Weide, Heide, Venne, Lange, Korte, Stam, Rijn, Leeu, Hert, Kraai, Mul, Smeel, Hek,
Brug, Slag, Dorp, Holt, Esch, Wolde, Riet, Mos, Gras, Klei, Veen, Wier, Buur, Hamer, Draai, Koe, Schaap, Geit,
Appel, Peer, Kers, Doorn, Hazel, Els, Berk, Wijn, Koren, Rogge, Tarwe, Haver, Vlas`)
	tailTails = parseList(`man, mans, ink, inga, ema, sma, stra, enga, huis, huizen, hof, hoven, kamp, veld, velde,
berg, bergen, dijk, broek, horst, hout, land, laar, loo, meijer, beek, boom, ing, werf, wijk, burg, schot, donk, rode,
zeel, ker, ert, stede, gaard, weg, kate, brink, haar, weerd`)
	tailPrefixes = []string{"van", "van", "van", "van de", "van der", "van den", "de", "ter", "ten", "te", "van 't", "op de"}
)

// Family names of persons of non-Dutch origin. Polish -ski/-cki names
// take the feminine -ska/-cka for women.
var (
	turkishFamilyNames = parseNames(`Yılmaz, Kaya, Demir, Şahin, Çelik, Yıldız, Yıldırım, Öztürk, Aydın, Özdemir, Arslan,
Doğan, Kılıç, Aslan, Çetin, Kara, Koç, Kurt, Özkan, Şimşek, Polat, Korkmaz, Güneş, Erdoğan, Aktaş, Bulut, Türk,
Keskin, Uçar, Ekinci`)
	moroccanFamilyNames = parseNames(`El|Amrani, El|Idrissi, El|Khatib, Benali, Bouali, El|Hamdaoui, Ouali, Aboutaleb,
Bakkali, El|Ouardi, Azzouzi, Boukhari, Ait|Taleb, Ben|Ali, El|Yousfi, Chaouch, Haddouchi, Ziani, Boulahrouz,
Tahiri, Mokhtari, El|Bakkali, Amrani, Ait|Hammou, El|Harchaoui, Bouzerda, Achahbar, Ouchan, Lachhab, Ben|Haddou`)
	surinameseFamilyNames = parseNames(`Ramdin, Ramsaran, Jagroep, Sewnath, Mahabier, Biharie, Ramkisoen, Baldewsingh,
Soekhai, Kalloe, Autar, Bhoelai, Ramlal, Jhinkoe, Sital, Doelwijt, Sedney, Pinas, Kasanwirjo, Amatsaleh, Wongsodikromo,
Tjon A Fong, Fung A Loi, Nelom, Emanuels, Karijopawiro, Graanoogst, Biswane, Ramautar, Gangaram`)
	indonesianFamilyNames = parseNames(`Pattiasina, Tahapary, Latumahina, Sahetapy, Manuhutu, Siahaya, Wattimena, Pattikawa,
Lawalata, Tuhumury, Soumokil, Pelupessy, Lokollo, Tanasale, Nanlohy, Matulessy, Sopacua, Hehanussa, Risakotta, Latuny`)
	polishFamilyNames = parseNames(`Kowalczyk, Nowak, Kowalski, Wiśniewski, Wójcik, Kamiński, Lewandowski, Zieliński,
Szymański, Woźniak, Dąbrowski, Kozłowski, Jankowski, Mazur, Kwiatkowski, Krawczyk, Piotrowski, Grabowski, Nowicki,
Pawłowski, Michalski, Król, Wieczorek, Jabłoński, Wróbel`)
	germanFamilyNames = parseNames(`Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann,
Schäfer, Richter, Klein, Schröder, Neumann, Schwarz, Zimmermann, Krüger, Hartmann, Werner, Jäger, Köhler, Groß, Kühn,
Böhm`)
)

// Given names, sex-specific. For Dutch persons there are two lists: the
// formal baptismal names that dominate official records of the older
// generations, and the modern names of those born from about 1955.
var (
	dutchMaleFormal = parseList(`Johannes, Cornelis, Hendrik, Jan, Willem, Pieter, Gerrit, Jacobus, Petrus, Adrianus,
Hendrikus, Theodorus, Antonius, Franciscus, Gerardus, Wilhelmus, Martinus, Dirk, Klaas, Albert, Jacob, Arie, Marinus,
Leendert, Hermanus, Bernardus, Josephus, Nicolaas, Frederik, Paulus, Lambertus, Gijsbert, Abraham, Johan, Aart,
Teunis, Maarten, Evert, Jozef, Huibert, Jelle, Sjoerd, Douwe, Tjeerd, Wiebe, Harm, Egbert, Roelof, Geert, Reinier`)
	dutchMaleModern = parseList(`Peter, Hans, Kees, Henk, Wim, Piet, Gerard, Frans, Ton, Rob, Robert, Mark, Marcel, Erik,
Richard, Martin, René, André, Paul, Michel, Edwin, Patrick, Dennis, Ronald, Arjan, Jeroen, Bas, Thomas, Joost, Ruud,
Sander, Bart, Frank, Jos, Rik, Stefan, Remco, Wouter, Niels, Tim, Daan, Lucas, Bram, Luuk, Jesse, Ruben, Thijs, Stijn,
Tom, Koen, Rutger, Teun, Hidde, Michiel, Vincent, Martijn, Jasper, Roel, Gijs, Job`)
	dutchFemaleFormal = parseList(`Maria, Johanna, Cornelia, Anna, Wilhelmina, Elisabeth, Catharina, Hendrika, Adriana,
Geertruida, Petronella, Jacoba, Aaltje, Grietje, Neeltje, Antonia, Theodora, Margaretha, Francisca, Gerarda, Helena,
Alida, Christina, Dirkje, Klaasje, Trijntje, Jannetje, Aagje, Geertje, Hillegonda, Josephina, Bernardina, Lamberta,
Martina, Hermina, Jantje, Pietertje, Sjoukje, Wietske, Froukje`)
	dutchFemaleModern = parseList(`Ria, Annie, Truus, Gerda, Joke, Ineke, Marja, Anneke, Els, Wilma, Ingrid, Monique,
Petra, Marian, Marianne, Jolanda, Yvonne, Sandra, Linda, Esther, Karin, Angelique, Astrid, Miranda, Anja, Carla,
Nicole, Patricia, Saskia, Mirjam, Judith, Ellen, Marjolein, Annemiek, Hanneke, Inge, Manon, Femke, Marloes, Sanne,
Lotte, Anouk, Emma, Julia, Sophie, Lisa, Eva, Fleur, Iris, Noor, Lieke, Laura, Sara, Mieke, José, Renée, Zoë,
Noëlle, Chloë, Ilse, Wendy, Mariëlle, Daniëlle, Brigitte`)

	turkishMale     = parseList(`Mehmet, Mustafa, Ahmet, Ali, Hüseyin, Hasan, İbrahim, İsmail, Osman, Yusuf, Murat, Ömer, Ramazan, Kemal, Halil`)
	turkishFemale   = parseList(`Fatma, Ayşe, Emine, Hatice, Zeynep, Elif, Meryem, Şerife, Zehra, Sultan, Hülya, Gülşen, Özlem, Nurten, Songül`)
	moroccanMale    = parseList(`Mohamed, Ahmed, Abdelkader, Mustapha, Rachid, Hassan, Mohammed, Abdellah, Driss, Said, Khalid, Youssef, Abdelaziz, Omar, Brahim`)
	moroccanFemale  = parseList(`Fatima, Khadija, Aïcha, Malika, Naima, Rachida, Zohra, Touria, Saida, Hafida, Nadia, Samira, Latifa, Zineb, Houria`)
	surinameMale    = parseList(`Rakesh, Sunil, Anil, Radj, Ramesh, Ronald, Glenn, Edwin, Roy, Marlon, Sudesh, Kiran, Hans, Iwan, Orlando`)
	surinameFemale  = parseList(`Sita, Shanti, Indra, Asha, Kamla, Devika, Sharon, Ingrid, Jennifer, Priscilla, Yvonne, Sandra, Roshni, Gerda, Carmen`)
	indonesiaMale   = parseList(`Johannes, Frederik, Agus, Budi, Hendrik, Willem, Jacob, Samuel, Daniel, Benjamin, Eduard, Johan, Paulus, Lodewijk, Simon`)
	indonesiaFemale = parseList(`Maria, Wati, Sri, Dewi, Johanna, Elisabeth, Martha, Josephine, Magdalena, Christina, Louisa, Wilhelmina, Sara, Agatha, Esther`)
	polishMale      = parseList(`Piotr, Krzysztof, Andrzej, Tomasz, Paweł, Marek, Michał, Łukasz, Jan, Stanisław, Grzegorz, Józef, Wojciech, Jerzy, Zbigniew`)
	polishFemale    = parseList(`Anna, Katarzyna, Małgorzata, Agnieszka, Barbara, Ewa, Krystyna, Elżbieta, Joanna, Zofia, Teresa, Danuta, Jadwiga, Irena, Beata`)
	germanMale      = parseList(`Klaus, Jürgen, Günter, Uwe, Wolfgang, Dieter, Helmut, Horst, Manfred, Werner, Hans, Peter, Stefan, Andreas, Michael`)
	germanFemale    = parseList(`Ursula, Helga, Sabine, Monika, Gisela, Brigitte, Renate, Karin, Ingrid, Petra, Christa, Heike, Birgit, Gabriele, Jutta`)
)

// origins of family and given names, with their share of the population.
type origin struct {
	share        float64
	family       []name
	male, female []string
	maxGiven     int // 1..3 given names, at most this many
}

const originDutch = 0

var origins = []origin{
	{0.90, dutchFamilyNames, nil, nil, 3}, // given names: formal/modern lists by birth year
	{0.025, turkishFamilyNames, turkishMale, turkishFemale, 2},
	{0.025, moroccanFamilyNames, moroccanMale, moroccanFemale, 2},
	{0.02, surinameseFamilyNames, surinameMale, surinameFemale, 2},
	{0.012, indonesianFamilyNames, indonesiaMale, indonesiaFemale, 3},
	{0.01, polishFamilyNames, polishMale, polishFemale, 2},
	{0.008, germanFamilyNames, germanMale, germanFemale, 3},
}

// keyboard holds the QWERTY neighbours of each letter, for typing errors.
var keyboard = map[byte]string{
	'q': "wa", 'w': "qes", 'e': "wrd", 'r': "etf", 't': "ryg", 'y': "tuh", 'u': "yij", 'i': "uok", 'o': "ipl", 'p': "ol",
	'a': "qsz", 's': "awdz", 'd': "sefx", 'f': "drgc", 'g': "fthv", 'h': "gyjb", 'j': "hukn", 'k': "jilm", 'l': "kop",
	'z': "asx", 'x': "zdc", 'c': "xfv", 'v': "cgb", 'b': "vhn", 'n': "bjm", 'm': "nk",
}

// asciiFold maps letters with diacritics to what a system without them
// stores; the German umlauts sometimes become two letters instead.
var asciiFold = map[rune]string{
	'á': "a", 'à': "a", 'â': "a", 'ä': "a", 'ã': "a", 'å': "a", 'ą': "a",
	'é': "e", 'è': "e", 'ê': "e", 'ë': "e", 'ę': "e",
	'í': "i", 'ì': "i", 'î': "i", 'ï': "i", 'ı': "i",
	'ó': "o", 'ò': "o", 'ô': "o", 'ö': "o", 'õ': "o", 'ø': "o",
	'ú': "u", 'ù': "u", 'û': "u", 'ü': "u",
	'ç': "c", 'ć': "c", 'č': "c", 'ş': "s", 'ś': "s", 'š': "s", 'ğ': "g",
	'ł': "l", 'ń': "n", 'ñ': "n", 'ź': "z", 'ż': "z", 'ž': "z", 'ß': "ss", 'ÿ': "y",
	'Á': "A", 'À': "A", 'Ä': "A", 'Å': "A", 'É': "E", 'È': "E", 'Ë': "E", 'Í': "I", 'İ': "I", 'Ï': "I",
	'Ó': "O", 'Ö': "O", 'Ø': "O", 'Ú': "U", 'Ü': "U", 'Ç': "C", 'Ş': "S", 'Ś': "S", 'Š': "S", 'Ł': "L",
	'Ż': "Z", 'Ź': "Z", 'Ž': "Z",
}

var umlautPair = map[rune]string{'ä': "ae", 'ö': "oe", 'ü': "ue", 'Ä': "Ae", 'Ö': "Oe", 'Ü': "Ue"}

// Cancer diagnoses (ICD-10), with rough shares by sex, for the payload.
type diag struct {
	code  string
	share float64
}

var (
	diagMale = []diag{{"C61", 22}, {"C34", 13}, {"C44", 10}, {"C18", 9}, {"C43", 6}, {"C67", 5}, {"C20", 4},
		{"C64", 3}, {"C25", 3}, {"C15", 3}, {"C85", 3}, {"C16", 2}, {"C92", 2}, {"C90", 2}, {"C32", 1}, {"C22", 1}, {"C71", 1}}
	diagFemale = []diag{{"C50", 28}, {"C34", 11}, {"C44", 10}, {"C18", 9}, {"C43", 7}, {"C54", 4}, {"C20", 3},
		{"C25", 3}, {"C85", 3}, {"C56", 2}, {"C67", 2}, {"C64", 2}, {"C53", 1}, {"C73", 1}, {"C16", 1}, {"C90", 1}}
)
