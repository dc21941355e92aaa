# bash completion for arenactl-client                     -*- shell-script -*-
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The words come from arenactl-client itself (its hidden `complete`
# command): commands and options from its command table, owners, names and
# addresses from the daemon when it answers. Global options may stand
# anywhere, as the program accepts them.

_arenactl_client()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=
	local prog=${COMP_WORDS[0]} cmd= sub= i w
	local -a conn=()

	[[ $COMP_CWORD -gt 0 ]] && prev=${COMP_WORDS[COMP_CWORD-1]}
	# The command word, and the options that pick the daemon (so owner
	# and name completion ask the same daemon the line will).
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-s|--socket|--pin-dir)
			conn+=("$w" "${COMP_WORDS[i+1]}"); ((i++)) ;;
		--socket=*|--pin-dir=*)
			conn+=("$w") ;;
		--owner|--name|--addr|--method|--interval|--map-id|--width|--output|-o|--uid|--kind|--fill|--quota|--lease|--older-than)
			((i++)) ;;
		-*) ;;
		*)
			if [[ -z $cmd ]]; then cmd=$w; elif [[ -z $sub ]]; then sub=$w; fi ;;
		esac
	done

	_arenactl_words() {
		"$prog" "${conn[@]}" complete "$@" 2>/dev/null
	}

	case $prev in
	-s|--socket|--output|-o)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--pin-dir)
		COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--owner)
		COMPREPLY=($(compgen -W "$(_arenactl_words owners)" -- "$cur")); return ;;
	--method)
		COMPREPLY=($(compgen -W "kmod rt full" -- "$cur")); return ;;
	--lease)
		COMPREPLY=($(compgen -W "persistent process connection" -- "$cur")); return ;;
	--kind)
		# a comma-separated list: complete its last item
		local head=${cur%,*}, last=${cur##*,}
		[[ $cur != *,* ]] && head=
		COMPREPLY=($(compgen -P "$head" -W "alloc free census arena shutdown fill quota" -- "$last")); return ;;
	--map-id)
		COMPREPLY=($(compgen -W "$(_arenactl_words arenas)" -- "$cur")); return ;;
	--name|--addr|--interval|--width|--uid|--fill|--quota|--older-than)
		COMPREPLY=(); return ;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_arenactl_words options $cmd)" -- "$cur"))
		return
	fi
	case $cmd in
	'')
		COMPREPLY=($(compgen -W "$(_arenactl_words commands)" -- "$cur")) ;;
	help)
		COMPREPLY=($(compgen -W "$(_arenactl_words commands)" -- "$cur")) ;;
	lookup)
		COMPREPLY=($(compgen -W "$(_arenactl_words names)" -- "$cur")) ;;
	free)
		COMPREPLY=($(compgen -W "$(_arenactl_words addrs)" -- "$cur")) ;;
	quota)
		if [[ -z $sub ]]; then
			COMPREPLY=($(compgen -W "set get list" -- "$cur"))
		elif [[ $sub == set ]]; then
			COMPREPLY=($(compgen -W "none" -- "$cur"))
		else
			COMPREPLY=()
		fi ;;
	*)
		COMPREPLY=() ;;
	esac
}
complete -F _arenactl_client arenactl-client
