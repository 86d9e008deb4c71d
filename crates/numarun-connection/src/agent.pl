# numarun's host agent (see agent.rs): looks at and changes files for the controller without
# starting a process. Core Perl only: it runs on perl-base. POSIX is not loaded, as it takes
# ten times longer to load than the rest of the agent, and Fcntl only for the first write.
#
# A request is a count of fields on a line, then each field as its length on a line and its
# bytes; the first field names the request. The whole request is read before any of it is acted
# on: a request cut short acts on nothing. A reply is "rc count" on a line, then its fields.
use strict;

binmode STDIN;
binmode STDOUT;
$| = 1;

my ($ENOENT, $ENOTDIR) = (2, 20);

sub field {
    my $length = <STDIN>;
    exit 0 unless defined $length && $length =~ /^(\d+)\n\z/;
    my $bytes = '';
    exit 0 unless $1 == 0 || read(STDIN, $bytes, $1) == $1;
    return $bytes;
}

sub reply {
    my ($rc, @fields) = @_;
    print $rc . ' ' . scalar(@fields) . "\n", map { length($_) . "\n" . $_ } @fields;
}

# What GNU `stat --printf '%f %u %g %s %d:%i:%Z'` prints, from the last lstat.
sub stat_line {
    my @s = @_;
    return sprintf('%x %d %d %d %s:%s:%s', $s[2], $s[4], $s[5], $s[7], $s[0], $s[1], $s[10]);
}

# A path and its stat line, or nothing when nothing is there; `_` holds the lstat after it.
sub stat_entry {
    my ($path) = @_;
    my @s = lstat $path or return '';
    return "$path\0" . stat_line(@s) . "\0";
}

# The stat section of the shell's batch stat: each path found with its stat line, then an empty field.
sub stats {
    return join('', map { stat_entry($_) } @_) . "\0";
}

# Arguments: path and wants-content pairs. The reply is laid out as the shell's batch stat is: the
# stats, the links and their targets, the files read and their bytes. A file that cannot be read
# whole, or changed size since its stat, is left out: a single look says why.
sub batch_stat {
    my (@all, %wanted);
    while (@_) {
        my ($path, $want) = splice @_, 0, 2;
        push @all, $path;
        $wanted{$path} = 1 if $want;
    }
    my (@links, @targets, @read);
    my $bytes = '';
    my $stats = '';
    for my $path ('/', @all) {
        my $entry = stat_entry($path) or next;
        my $size = (lstat _)[7];
        $stats .= $entry;
        if (-l _) {
            my $target = readlink $path;
            next unless defined $target;
            push @links, $path;
            push @targets, $target;
        } elsif (-f _ && $wanted{$path}) {
            my $content = slurp($path);
            next unless defined $content && length($content) == $size;
            push @read, $path;
            $bytes .= $content;
        }
    }
    my $list = sub { join('', map { "$_\0" } @_) . "\0" };
    return (0, "$stats\0" . $list->(@links) . $list->(@targets) . $list->(@read) . $bytes);
}

sub slurp {
    open(my $file, '<:raw', $_[0]) or return;
    local $/;
    my $content = <$file>;
    return $content // '';
}

# Each action returns nothing when done, or why it failed; `decline` when only the shell
# snippet does it exactly: Perl has no lchown, and GNU rm refuses `/`, whatever names it, and
# a last component of `.` or `..`.
my $DECLINE = "\0decline";

sub owner_and_mode {
    my ($path, $mode, $uid, $gid, $best_effort) = @_;
    if ($uid ne '' || $gid ne '') {
        chown($uid eq '' ? -1 : $uid, $gid eq '' ? -1 : $gid, $path) or $best_effort or return "chown $path: $!";
    }
    chmod(oct $mode, $path) or return "chmod $path: $!" if $mode ne '';
    return;
}

# Durable as well as atomic: the temporary's bytes reach the disk before the rename makes them
# the file, and the folder's entry after it; otherwise a power cut can leave the new name on an
# empty file. IO::Handle (for fsync) is loaded on the first write, as Fcntl is.
sub write_file {
    my ($path, $temp, $mode, $uid, $gid, $best_effort, $content) = @_;
    require Fcntl;
    require IO::Handle;
    sysopen(my $file, $temp, Fcntl::O_WRONLY() | Fcntl::O_CREAT() | Fcntl::O_EXCL(), 0666) or return "create $temp: $!";
    binmode $file;
    # Each step runs only if the ones before it succeeded: `//` moves on past an undefined result.
    my $error = ((print {$file} $content) && $file->flush && $file->sync && close($file) ? undef : "write $temp: $!")
      // owner_and_mode($temp, $mode, $uid, $gid, $best_effort)
      // (rename($temp, $path) ? undef : "rename $temp to $path: $!")
      // sync_folder_of($path);
    unlink $temp if defined $error;
    return $error;
}

# fsync on the folder that holds `path`, so a rename into it is on the disk too.
sub sync_folder_of {
    my ($path) = @_;
    my $folder = $path =~ m{^(.*)/[^/]*\z} ? ($1 eq '' ? '/' : $1) : '.';
    sysopen(my $dir, $folder, Fcntl::O_RDONLY() | Fcntl::O_DIRECTORY()) or return "open $folder: $!";
    my $synced = $dir->sync;
    close $dir;
    return $synced ? undef : "sync $folder: $!";
}

sub make_dir {
    my ($path, $mode, $uid, $gid, $best_effort) = @_;
    return $DECLINE if -l $path && ($uid ne '' || $gid ne '');
    my $at = $path =~ m{^/} ? '/' : '';
    for my $part (grep { length } split m{/}, $path) {
        $at .= ($at =~ m{/\z} || $at eq '' ? '' : '/') . $part;
        next if -d $at;
        mkdir($at, 0777) or -d $at or return "mkdir $at: $!";
    }
    return owner_and_mode($path, $mode, $uid, $gid, $best_effort);
}

sub set_attrs {
    my ($path, $mode, $uid, $gid, $best_effort) = @_;
    # chmod follows a link, and a link's own mode means nothing on Linux.
    return if -l $path && $uid eq '' && $gid eq '';
    return $DECLINE if -l _;
    return owner_and_mode($path, $mode, $uid, $gid, $best_effort);
}

sub remove {
    my ($path) = @_;
    my @root = stat '/';
    my @here = stat $path;
    return $DECLINE if $path =~ m{(?:^|/)\.\.?/*\z} || (@here && $here[0] == $root[0] && $here[1] == $root[1]);
    return remove_tree($path);
}

sub remove_tree {
    my ($path) = @_;
    unless (lstat $path) {
        return $! == $ENOENT || $! == $ENOTDIR ? undef : "remove $path: $!";
    }
    if (-d _) {
        opendir(my $dir, $path) or return "remove $path: $!";
        my @entries = grep { $_ ne '.' && $_ ne '..' } readdir $dir;
        closedir $dir;
        for my $entry (@entries) {
            my $error = remove_tree("$path/$entry");
            return $error if defined $error;
        }
        rmdir $path or return "remove $path: $!";
    } else {
        unlink $path or return "remove $path: $!";
    }
    return;
}

sub make_link {
    my ($path, $temp, $target) = @_;
    unlink $temp;
    symlink($target, $temp) or return "symlink $temp: $!";
    rename($temp, $path) or do { my $error = "rename $temp to $path: $!"; unlink $temp; return $error };
    return;
}

# Arguments: action, path, temporary, mode, uid, gid, owner best effort, bytes or link target,
# then the paths to stat once the change is made.
sub change {
    my ($action, $path, $temp, $mode, $uid, $gid, $best_effort, $data, @look) = @_;
    my $error =
        $action eq 'write'   ? write_file($path, $temp, $mode, $uid, $gid, $best_effort, $data)
      : $action eq 'mkdir'   ? make_dir($path, $mode, $uid, $gid, $best_effort)
      : $action eq 'attrs'   ? set_attrs($path, $mode, $uid, $gid, $best_effort)
      : $action eq 'remove'  ? remove($path)
      : $action eq 'symlink' ? make_link($path, $temp, $data)
      :                        "unknown action $action";
    return (3) if defined $error && $error eq $DECLINE;
    return (1, $error) if defined $error;
    return (0, stats('/', @look));
}

my %requests = (batch_stat => \&batch_stat, change => \&change, hello => sub { (0) });

while (defined(my $count = <STDIN>)) {
    exit 1 unless $count =~ /^(\d+)\n\z/ && $1 > 0;
    my $fields = $1;
    my @fields = map { field() } 1 .. $fields;
    my $request = $requests{shift @fields};
    reply($request ? $request->(@fields) : (2, 'unknown request'));
}
