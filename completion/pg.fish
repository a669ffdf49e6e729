# fish completion for pg
#
# pg answers itself: 'pg __complete WORDS... CURRENT' prints the candidates
# ("value<TAB>description" lines, then ":N": 1 no space after, 2 also
# files, 4 also directories).  This script only asks and hands them over,
# so it cannot disagree with the program.  fish reads "value<TAB>description"
# as it is.  Installed by 'make install' where fish looks
# (/etc/fish/completions/pg.fish for PREFIX=/usr/local, else
# PREFIX/share/fish/vendor_completions.d/pg.fish).
#
# No space after (1): fish itself adds none after a candidate that ends
# in one of / = @ : . , - and pg asks for it only after pg find's KEY=;
# a 'complete -a' function has no way to ask for it otherwise.

function __pg_complete
    # the words before the cursor and the word being typed, unquoted as
    # the command will see them ('geo and geo\:\:c ask for geo and geo::c)
    set -l words (commandline -opc)
    set -l cur (commandline -ct | string unescape)
    or set cur (commandline -ct)
    set -l out (command $words[1] __complete $words[2..] "$cur" 2>/dev/null)
    or return 0
    set -q out[1]; or return 0

    # the last line is the directive; the others are the candidates
    set -l directive (string replace -r '^:' '' -- $out[-1])
    string match -qr '^[0-9]+$' -- $directive; or set directive 0
    set -e out[-1]
    set -q out[1]; and printf '%s\n' $out

    # file names: the word's, or what follows the = of --opt=PATH (fish
    # matches the candidates against the whole word: the --opt= stays)
    set -l opt (string match -r -- '^-[^=]*=' "$cur")
    set -l path (string replace -r -- '^-[^=]*=' '' "$cur")
    set -l p
    if test (math "bitand($directive, 2)") -ne 0
        for p in (__fish_complete_path "$path")
            echo "$opt$p"
        end
    else if test (math "bitand($directive, 4)") -ne 0
        for p in (__fish_complete_directories "$path")
            echo "$opt$p"
        end
    end
end

complete -c pg -f -a '(__pg_complete)'
