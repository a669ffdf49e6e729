# bash completion for pg -*- shell-script -*-
#
# pg answers itself: 'pg __complete WORDS... CURRENT' prints the candidates
# ("value<TAB>description" lines, then ":N": 1 no space after, 2 also
# files, 4 also directories).  This script only asks and hands them over,
# so it cannot disagree with the program.  Installed by 'make install'
# where bash-completion looks (share/bash-completion/completions/pg).

_pg()
{
	local cur words cword
	if declare -F _get_comp_words_by_ref >/dev/null; then
		# bash-completion: words as typed, not split at : or =
		_get_comp_words_by_ref -n =: cur words cword
	else
		local line=${COMP_LINE:0:COMP_POINT}
		read -ra words <<<"$line"
		[[ $line == *[[:space:]] || ${#words[@]} -eq 0 ]] && words+=("")
		cword=$((${#words[@]} - 1))
		cur=${words[cword]}
	fi

	# What readline replaces: in a word opened with a quote, all that
	# follows the quote (pg wants it unquoted); else only what follows the
	# word's last COMP_WORDBREAKS character (: and = unless taken out), so
	# the candidates lose what comes before (keep)
	local keep= i c
	if [[ $cur == [\"\']* ]]; then
		cur=${cur:1}
	else
		for ((i = ${#cur}; i > 0; i--)); do
			c=${cur:i-1:1}
			if [[ $c != [[:space:]] && $COMP_WORDBREAKS == *"$c"* ]]; then
				keep=${cur:0:i}
				break
			fi
		done
	fi

	local out item directive=0
	out=$(command "${words[0]}" __complete "${words[@]:1:cword-1}" "$cur" 2>/dev/null) || return 0
	COMPREPLY=()
	while IFS= read -r item; do
		case $item in
		:*) directive=${item#:} ;;
		'') ;;
		*) COMPREPLY+=("${item%%$'\t'*}") ;;
		esac
	done <<<"$out"
	COMPREPLY=("${COMPREPLY[@]#"$keep"}")
	((directive & 1)) && compopt -o nospace 2>/dev/null

	if ((directive & 6)); then
		# file names: the word's, or what follows the = of --opt=PATH
		local opt= path=$cur flag=-f shown
		[[ $cur == -*=* ]] && opt=${cur%%=*}= path=${cur#*=}
		((directive & 2)) || flag=-d
		compopt -o filenames 2>/dev/null
		while IFS= read -r item; do
			[[ -n $item ]] || continue
			shown=$opt$item
			shown=${shown#"$keep"}
			# readline adds a directory's / only if the name it is
			# given is the path (a:b/dir cut to b/dir is not)
			if [[ $shown != "$item" && -d $item ]]; then
				shown+=/
				compopt -o nospace 2>/dev/null
			fi
			COMPREPLY+=("$shown")
		done < <(compgen "$flag" -- "$path")
	fi
	return 0
}
complete -F _pg pg
