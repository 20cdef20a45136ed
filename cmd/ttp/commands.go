package main

// commands is ttp's command tree: every command with the one-line summary
// its group's usage shows, and for a leaf the runner that does the work.
var commands = &command{
	notes: connectionNote + fieldsNote,
	subs: []*command{
		{
			name:      "code",
			summary:   "code a file: pseudonyms in place of its identifying columns, and a quality report",
			synopsis:  "-domain NAME -map field=column,... [-o OUT] [-report FILE] [-test] [-oblivious] [-seal-to RECIPIENT] IN.csv",
			notes:     fieldsNote,
			newRunner: func() runner { return new(codeCommand) },
		},
		{
			name:      "link",
			summary:   "link a file's records to persons: one person_pseudonym column in place of the identifying ones",
			synopsis:  "-domain NAME -map field=column,... [-source NAME] [-o OUT] [-report FILE] IN.csv",
			notes:     fieldsNote,
			newRunner: func() runner { return new(linkCommand) },
		},
		{
			name:      "open",
			summary:   "open the sealed pseudonym columns of a coded file with a recipient's private key",
			synopsis:  "-domain NAME -map field=column,... -private-key FILE [-o OUT] IN.csv",
			newRunner: func() runner { return new(openCommand) },
		},
		{
			name:      "keygen",
			summary:   "make a recipient's key pair for sealed pseudonyms: STEM.key (keep) and STEM.pub (send)",
			synopsis:  "[-suite mlkem768x25519|x25519] [-o STEM]",
			newRunner: func() runner { return new(keygenCommand) },
		},
		{
			name:    "admin",
			summary: "manage domains, review items, persons and recipients (operators)",
			subs: []*command{
				{
					name:    "domain",
					summary: "create, list, describe and rotate pseudonym domains",
					subs: []*command{
						{
							name:      "create",
							summary:   "create a domain",
							synopsis:  "[-description TEXT] [-brokers a,b] [-recipients c,d] [-mode hmac|oprf] NAME",
							newRunner: func() runner { return new(domainCreate) },
						},
						{
							name:      "list",
							summary:   "list the domains",
							synopsis:  "[-json]",
							newRunner: func() runner { return new(domainList) },
						},
						{
							name:      "describe",
							summary:   "show a domain and its key versions with their dates (never key material)",
							synopsis:  "[-json] NAME",
							newRunner: func() runner { return new(domainDescribe) },
						},
						{
							name:      "rotate",
							summary:   "add a key version to a domain and make it the current one",
							synopsis:  "[-json] NAME",
							newRunner: func() runner { return new(domainRotate) },
						},
					},
				},
				{
					name:    "review",
					summary: "list and resolve the person index's review items",
					subs: []*command{
						{
							name:      "list",
							summary:   "list the open review items: how the fields compare, never their values",
							synopsis:  "[-json] [-n N]",
							newRunner: func() runner { return new(reviewList) },
						},
						{
							name:      "resolve",
							summary:   "resolve a review item: one person (merge) or two (keep apart)",
							synopsis:  "-match|-non-match ID",
							newRunner: func() runner { return new(reviewResolve) },
						},
					},
				},
				{
					name:    "person",
					summary: "undo a wrong link",
					subs: []*command{
						{
							name:      "split",
							summary:   "move one record to a new person of its own",
							synopsis:  "(-agb A -patient-number N | -source S -row-key K)",
							newRunner: func() runner { return new(personSplit) },
						},
					},
				},
				{
					name:    "recipient",
					summary: "register and list recipients' public keys for sealed pseudonyms",
					subs: []*command{
						{
							name:      "register",
							summary:   "register a recipient's public key (compare its fingerprint with the recipient's)",
							synopsis:  "NAME FILE.pub",
							newRunner: func() runner { return new(recipientRegister) },
						},
						{
							name:      "list",
							summary:   "list the registered recipients",
							newRunner: func() runner { return new(recipientList) },
						},
					},
				},
			},
		},
		{
			name:    "audit",
			summary: "check the TTP's audit log against checkpoints you keep (committee members)",
			subs: []*command{
				{
					name:      "checkpoint",
					summary:   "fetch a signed checkpoint of the audit log, check its signature and keep it",
					synopsis:  "[-verifier-key FILE] [-o FILE]",
					newRunner: func() runner { return new(auditCheckpoint) },
				},
				{
					name:      "verify",
					summary:   "prove that the audit log still holds every record of a kept checkpoint, unchanged",
					synopsis:  "-checkpoint FILE [-records N,...] [-verifier-key FILE]",
					newRunner: func() runner { return new(auditVerify) },
				},
				{
					name:      "keygen",
					summary:   "make the TTP's audit key pair: STEM.key (ttpd's audit_key_file) and STEM.pub (for the committee)",
					synopsis:  "-name NAME [-o STEM]",
					newRunner: func() runner { return new(auditKeygen) },
				},
			},
		},
		{
			name:      "version",
			aliases:   []string{"-version", "--version"},
			summary:   "print ttp's version and the Go version it was built with",
			newRunner: func() runner { return versionCommand{} },
		},
	},
}

const connectionNote = `Connection (every command but 'code -test', keygen, audit keygen, open and version): -server -ca -cert -key,
or TTP_SERVER TTP_CA TTP_CERT TTP_KEY, or -env FILE / TTP_ENV.
`

const fieldsNote = `Fields: bsn family_name given_names initials birth_date sex postcode
house_number agb patient_number. Problem codes: docs/problem-codes.md.
`
