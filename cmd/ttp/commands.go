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
			notes:     fieldsNote + exitNote,
			newRunner: func() runner { return new(codeCommand) },
		},
		{
			name:      "link",
			summary:   "link a file's records to persons: one person_pseudonym column in place of the identifying ones",
			synopsis:  "-domain NAME -map field=column,... [-source NAME] [-o OUT] [-report FILE] IN.csv",
			notes:     fieldsNote + exitNote,
			newRunner: func() runner { return new(linkCommand) },
		},
		{
			name:      "withdraw",
			summary:   "withdraw records your organisation registered (a correction is then linked as a new record)",
			synopsis:  "-domain NAME (-map agb=column,patient_number=column | -source NAME) [-report FILE] IN.csv",
			newRunner: func() runner { return new(withdrawCommand) },
		},
		{
			name:      "optout",
			summary:   "register patients' objections to registration (or withdraw them): their records are purged and never registered again",
			synopsis:  "-domain NAME -map field=column,... [-withdraw] [-source NAME] [-report FILE] IN.csv",
			newRunner: func() runner { return new(optoutCommand) },
		},
		{
			name:      "convert",
			summary:   "convert a file's person pseudonyms into a linkage request's project pseudonyms, sealed to its recipient (registries)",
			synopsis:  "-request ID -domain DOMAIN -column COLUMN [-communication COL,... [-communication-out FILE]] [-o OUT] [-report FILE] IN.csv",
			notes:     exitNote,
			newRunner: func() runner { return new(convertCommand) },
		},
		{
			name:      "open",
			summary:   "open sealed pseudonyms with a recipient's private key: a coded file's columns, or converted files' project pseudonyms (joined)",
			synopsis:  "-private-key FILE [-o OUT] (-domain NAME -map field=column,... IN.csv | IN.csv [IN2.csv ...])",
			newRunner: func() runner { return new(openCommand) },
		},
		{
			name:    "request",
			summary: "linkage requests: registries file them, the committee decides, everyone concerned reads them",
			subs: []*command{
				{
					name:      "create",
					summary:   "draft a linkage request (registries); prints its ID as the last line",
					synopsis:  "-project NAME -recipient PRINCIPAL -sources DOMAIN[,DOMAIN] -variables name=A|B|C,... -purpose TEXT [-basis TEXT] [-communication [-communication-recipient P]] [-until YYYY-MM-DD] [-json]",
					newRunner: func() runner { return new(requestCreate) },
				},
				{
					name:      "submit",
					summary:   "hand a draft to the committee (its applicant)",
					synopsis:  "[-json] ID",
					newRunner: func() runner { return &requestStep{step: "submit"} },
				},
				{
					name:      "approve",
					summary:   "approve a submitted request (committee members; four eyes where the policy says so)",
					synopsis:  "[-reason TEXT] [-json] ID",
					newRunner: func() runner { return &requestStep{step: "approve"} },
				},
				{
					name:      "reject",
					summary:   "reject a submitted request (committee members)",
					synopsis:  "-reason TEXT [-json] ID",
					newRunner: func() runner { return &requestStep{step: "reject"} },
				},
				{
					name:      "close",
					summary:   "close a request: withdrawn, or delivered in full (its applicant)",
					synopsis:  "[-reason TEXT] [-json] ID",
					newRunner: func() runner { return &requestStep{step: "close"} },
				},
				{
					name:      "show",
					summary:   "show a request",
					synopsis:  "[-json] ID",
					newRunner: func() runner { return &requestStep{step: "show"} },
				},
				{
					name:      "list",
					summary:   "list the requests you may see",
					synopsis:  "[-json]",
					newRunner: func() runner { return new(requestList) },
				},
			},
		},
		{
			name:      "release",
			summary:   "make a file safe to release: generalise, k-anonymity report and suppression, or a table with suppressed small counts (no server)",
			synopsis:  "(-qi COL,... [-k N] [-suppress cells|records] | -table COL1[,COL2] [-min N]) [-generalise COL=RULE]... [-keep COL] [-o OUT] [-report FILE] IN.csv",
			newRunner: func() runner { return new(releaseCommand) },
		},
		{
			name:    "reid",
			summary: "re-identification through the data holder: a registry asks, the committee approves (request approve), the hospitals fetch their own patients",
			subs: []*command{
				{
					name:      "request",
					summary:   "ask for a file's persons to be re-identified by the hospitals that supplied them (registries); prints its ID as the last line",
					synopsis:  "-domain DOMAIN -reason TEXT [-column COLUMN] [-json] FILE.csv",
					newRunner: func() runner { return new(reidRequest) },
				},
				{
					name:      "fetch",
					summary:   "fetch your hospital's patients of an approved re-identification (brokers)",
					synopsis:  "-private-key FILE [-o OUT] ID",
					newRunner: func() runner { return new(reidFetch) },
				},
			},
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
					summary: "create, list, describe and rotate pseudonym domains; change their brokers and recipients",
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
						{
							name:      "update",
							summary:   "add or remove a domain's brokers and recipients (configured principals only)",
							synopsis:  "[-add-broker P] [-remove-broker P] [-add-recipient P] [-remove-recipient P] [-json] NAME",
							newRunner: func() runner { return new(domainUpdate) },
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
					summary: "undo a wrong link; see a record's versions",
					subs: []*command{
						{
							name:      "split",
							summary:   "move one record to a new person of its own",
							synopsis:  "(-agb A -patient-number N | -source S -row-key K)",
							newRunner: func() runner { return new(personSplit) },
						},
						{
							name:      "history",
							summary:   "show the versions a hospital sent under one source: withdrawn ones are kept, never matched",
							synopsis:  "-organisation ORG (-agb A -patient-number N | -source S -row-key K)",
							newRunner: func() runner { return new(personHistory) },
						},
					},
				},
				{
					name:    "model",
					summary: "the person index's model: estimate it on the index's own records, compare, activate",
					subs: []*command{
						{
							name:      "estimate",
							summary:   "estimate m and u on the index's records: a new, inactive version beside the active model",
							synopsis:  "[-sample F] [-random-pairs N] [-keep-weights] [-json]",
							newRunner: func() runner { return new(modelEstimate) },
						},
						{
							name:      "activate",
							summary:   "make a version the model registration uses (past decisions stay)",
							synopsis:  "VERSION",
							newRunner: func() runner { return new(modelActivate) },
						},
						{
							name:      "list",
							summary:   "list the model versions",
							synopsis:  "[-json]",
							newRunner: func() runner { return new(modelList) },
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
					name:      "report",
					summary:   "the committee's report of a linkage request or a period, from the audit log as it is proved: CSV, or JSON",
					synopsis:  "[-request ID] [-from DATE] [-to DATE] [-json] [-checkpoint FILE] [-verifier-key FILE]",
					newRunner: func() runner { return new(auditReport) },
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
			name:      "completion",
			summary:   "print a shell completion script for bash or zsh: eval \"$(ttp completion bash)\"",
			synopsis:  "bash|zsh",
			newRunner: func() runner { return completionCommand{} },
		},
		{
			name:      "version",
			aliases:   []string{"-version", "--version"},
			summary:   "print ttp's version and the Go version it was built with",
			newRunner: func() runner { return versionCommand{} },
		},
	},
}

const connectionNote = `Connection (every command but 'code -test', release, keygen, audit keygen, open -domain and version): -server -ca -cert -key,
or TTP_SERVER TTP_CA TTP_CERT TTP_KEY, or -env FILE / TTP_ENV.
`

const fieldsNote = `Fields: bsn family_name given_names initials birth_date sex postcode
house_number agb patient_number. Problem codes: docs/problem-codes.md.
`

const exitNote = `Exit status: 0 every record accepted; 1 the run completed and some records
were rejected (the report says which); 2 the file or the run failed, or a
mistake on the command line. A failed run keeps the report of the last
completed one, and writes its own beside it (REPORT.failed.csv).
`
