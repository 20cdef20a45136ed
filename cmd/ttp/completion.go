package main

import (
	"context"
	"flag"
	"io"
	"slices"
	"strings"
	"text/template"
)

// completionCommand is ttp completion bash|zsh: a script that completes
// ttp's commands, subcommands and each command's own flags (file names
// elsewhere). It is made from the command tree, so it knows every command
// this ttp has.
type completionCommand struct{}

func (completionCommand) flags(*flag.FlagSet) {}

func (completionCommand) run(_ context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) != 1 || (args[0] != "bash" && args[0] != "zsh") {
		return usageError("completion takes one shell: bash or zsh")
	}
	return completionScripts.ExecuteTemplate(stdout, args[0], completionTable(commands))
}

// completionEntry is what may follow a command path: a group's
// subcommands, or a leaf's flags.
type completionEntry struct {
	Path  string // "ttp admin domain": the words typed, one space apart
	Words string
	Leaf  bool
}

// completionTable lists the entries of every path in the tree below c.
func completionTable(c *command) []completionEntry {
	var out []completionEntry
	var walk func(c *command, path string)
	walk = func(c *command, path string) {
		e := completionEntry{Path: path, Leaf: c.newRunner != nil}
		if e.Leaf {
			fs := flag.NewFlagSet("", flag.ContinueOnError)
			c.newRunner().flags(fs)
			var names []string
			fs.VisitAll(func(f *flag.Flag) { names = append(names, "-"+f.Name) })
			e.Words = strings.Join(append(names, "-h"), " ")
		} else {
			var names []string
			for _, s := range c.subs {
				names = append(names, s.name)
			}
			e.Words = strings.Join(append(names, "help"), " ")
		}
		out = append(out, e)
		for _, s := range c.subs {
			walk(s, path+" "+s.name)
		}
	}
	walk(c, "ttp")
	slices.SortFunc(out, func(a, b completionEntry) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// The scripts share one idea: walk the words typed so far down the table
// to a leaf; then offer the subcommands of a group, or the flags of a leaf
// when the word starts with '-', and file names else (or after a word that
// names no command).
var completionScripts = template.Must(template.New("bash").Funcs(template.FuncMap{"q": shellQuote}).Parse(`# bash completion for ttp: eval "$(ttp completion bash)" (or put it in
# /etc/bash_completion.d/ttp).
_ttp() {
	local -A next=({{range .}}
		[{{q .Path}}]={{q .Words}}{{end}}
	)
	local -A leaf=({{range .}}{{if .Leaf}}
		[{{q .Path}}]=1{{end}}{{end}}
	)
	local cur=${COMP_WORDS[COMP_CWORD]} p=ttp i
	for ((i = 1; i < COMP_CWORD; i++)); do
		[[ -n ${leaf["$p"]} ]] && break
		if [[ -z ${next["$p ${COMP_WORDS[i]}"]+set} ]]; then
			return # an unknown command: file names
		fi
		p="$p ${COMP_WORDS[i]}"
	done
	if [[ -z ${leaf["$p"]} || $cur == -* ]]; then
		COMPREPLY=($(compgen -W "${next["$p"]}" -- "$cur"))
	fi
}
complete -o default -F _ttp ttp
`))

func init() {
	template.Must(completionScripts.New("zsh").Parse(`#compdef ttp
# zsh completion for ttp: ttp completion zsh > "${fpath[1]}/_ttp", or
# source <(ttp completion zsh) after compinit.
_ttp() {
	local -A next leaf
	next=({{range .}}
		{{q .Path}} {{q .Words}}{{end}}
	)
	leaf=({{range .}}{{if .Leaf}}
		{{q .Path}} 1{{end}}{{end}}
	)
	local p=ttp i
	for ((i = 2; i < CURRENT; i++)); do
		(( ${+leaf[$p]} )) && break
		if (( ! ${+next[$p ${words[i]}]} )); then
			_files # an unknown command
			return
		fi
		p="$p ${words[i]}"
	done
	if (( ! ${+leaf[$p]} )) || [[ $PREFIX == -* ]]; then
		compadd -- ${=next[$p]}
	else
		_files
	fi
}
compdef _ttp ttp
`))
}

// shellQuote quotes s for a shell, in single quotes.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
