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

	# bash replaces only the part of the word after its last : or =
	if [[ $cur == *[:=]* ]]; then
		local keep=${cur%"${cur##*[:=]}"} i
		for i in "${!COMPREPLY[@]}"; do
			COMPREPLY[i]=${COMPREPLY[i]#"$keep"}
		done
	fi
	((directive & 1)) && compopt -o nospace 2>/dev/null
	if ((directive & 6)); then
		local flag=-f
		((directive & 2)) || flag=-d
		compopt -o filenames 2>/dev/null
		while IFS= read -r item; do
			[[ -n $item ]] && COMPREPLY+=("$item")
		done < <(compgen "$flag" -- "$cur")
	fi
	return 0
}
complete -F _pg pg
