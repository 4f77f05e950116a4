<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="en">
<context>
    <name>CredentialsDialog</name>
    <message>
        <source>AccessKey ID</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>AccessKey Secret</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Credentials of {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Destination</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing was changed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Replace</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Replace the remembered secret?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Source</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Test and save</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tested and saved: the task uses them from its next run (Resume, or Migrate what changed).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Testing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The remembered entry {entry} may be used by other tasks too: they will use the new secret as well. Replace it?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This task needs no secret (or reads it from environment variables).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type the AccessKey ID and Secret to change.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CutoverPanel</name>
    <message>
        <source>Changed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checked (differ)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copied</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delta pass</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delta pass every (min, 0 = when asked)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delta pass now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Duration</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Files new or changed, per pass</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Final pass</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Final pass: checked {done} of {total} files at the destination, {bad} differ.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Final pass: copy what changed, then check every file at the destination.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Final pass…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>First copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kind</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Listed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Once writes at the source have stopped: list everything again, copy what changed, check every file at the destination.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pass</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ready for cutover: the final pass checked every file at the destination and nothing failed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save verification report…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set timer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Syncing: start a delta pass when you want, or set a timer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Syncing: the next delta pass starts at {time}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The last pass found little change: stop writes at the source, then start the final pass.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>and MiB changed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>any</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>until at most files changed</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FailuresModel</name>
    <message>
        <source>Attempts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last attempt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Forecast</name>
    <message>
        <source>Cost: about {total} {currency} (up to {high}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cost: no price set (Prices…).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Count the source (sampled when it is large), copy files for a short trial, and reckon the time and the cost.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Counting the source and copying for the trial…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Currency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Forecast</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GET requests, per 10,000</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>HEAD requests, per 10,000</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep the files the trial copies</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>LIST requests, per 10,000</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not set: {items}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PUT requests, per 10,000</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Prices</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Prices…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Size: about {n} ± {m} files, {size} ± {sm} (95%; {k} of {f} folders counted).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Size: more than {n} files, {size} (too many to count quickly).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Size: {n} files, {size} (counted).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The trial copies only files the destination does not have; unless kept, exactly those are removed again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time: about {t} ({low} to {high}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time: about {t}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Traffic into the destination, per GiB</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Traffic out of the source, per GiB</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Trial copy (s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Trial: {n} files ({size}) in {s} s, {rate}/s; {done}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type the prices from the vendors&apos; price pages (they differ by region and contract); leave a line empty if it does not apply. Nothing is built in.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>kept</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>removed again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{d} days {h} h</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{h} h {m} min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{m} min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{s} s</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LocationPage</name>
    <message>
        <source>A COS bucket name ends with the account&apos;s APPID, like photos-1250000000.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>AccessKey ID</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>AccessKey Secret</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Alibaba Cloud OSS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Amazon S3 / S3-compatible</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Automatic (path style for IP addresses and non-AWS hosts)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bucket</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a folder.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the URL list file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Destination</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Endpoint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Folders and URL lists are on the master server {host}; the checks run there.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give the full path, starting at the root of the disk.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Local folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Path style (endpoint/bucket/key)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Prefix (optional)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Region</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remember in the system keyring</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SecretId</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SecretKey</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Source</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Storage type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tencent Cloud COS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Test write permission</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Testing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The AccessKey ID is empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The AccessKey Secret is empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The SecretId is empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The SecretKey is empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The URL list file does not exist.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The agent runs inside Alibaba Cloud: use the internal endpoint (no traffic fees)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The bucket name is 3-63 lower-case letters, digits, dots and hyphens.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The endpoint must look like https://oss-cn-hangzhou.aliyuncs.com (scheme and host, no path).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The folder does not exist.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The remembered secret of this AccessKey ID was filled in.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>URL list file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>URL style</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Virtual-hosted style (bucket.endpoint/key)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where the files are now.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where the files go.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where the files go. A COS bucket name ends with the APPID, like photos-1250000000.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <source>A local file could not be read or written.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A test file was written to the destination and removed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An internal error; retrying may help.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot connect to {address} (connection refused): check the Endpoint and the port.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Changed during copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checksum mismatch</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clock difference: {n} s.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Completed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Completed, some files failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Destination access</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Destination clock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Destination reachable, AccessKey accepted.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error: {code}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Existing task</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Internal error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invalid URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invalid name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Listing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Local file error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Migrating</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Network</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No usable system keyring ({reason}): secrets can be kept only while the agent runs, never in a file. To remember them, install or unlock a keyring (gnome-keyring, KWallet) and start the wizard again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not found</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not started</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Permission denied</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Permission denied: grant the account access to this bucket.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ready for cutover</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Request refused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Some multipart uploads could not be removed; cancel again later.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Source access</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Source clock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Source reachable, AccessKey accepted.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Source size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The AccessKey was refused: check the AccessKey ID and Secret.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The URL list can be read.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The agent cannot read the system keyring: unlock or install one (gnome-keyring, KWallet) and resume the task, or delete it and give the secrets again, kept only while the agent runs.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The agent package for the servers is missing from this installation ({detail}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The agent refused the token: copy it again from the master (the file `migration-agent token` prints).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The bucket does not exist, or belongs to another region.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The checksum did not match after retries.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The destination folder exists and can be written.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The endpoint cannot be reached: check the address and the network.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file is a symbolic link whose target does not exist.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file name cannot be stored at the destination.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file no longer exists at the source.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file was no longer at the source when it was copied.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The final check found the file changed or gone at the destination: retry to copy it again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The line is not a valid URL.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The migration agent is not running or does not answer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The migration agent on {host} is not running.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The network failed repeatedly.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The secret was kept only while the agent ran, and the agent has restarted since: delete the task and create it again with the secret.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server failed repeatedly.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server kept asking to slow down.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server refused the request.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The source file changed while it was copied.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The source folder exists and can be read.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The source holds more than {n} files.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The source holds {n} files, {size}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The store asked to slow down (throttling).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The store refused access (AccessDenied): check the AccessKey&apos;s permissions on this bucket.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The task is already running elsewhere.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The task “{name}” already migrates this source into this destination: open it from the task list, or delete it first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The task&apos;s settings are incomplete.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This computer ran out of open files: the agent waited and retried; raise its open-file limit (ulimit -n).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This computer&apos;s clock is wrong: set it right (NTP).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Throttled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting for connections</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write permission</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{host} cannot be reached: check the address, the SSH port and the firewall.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{host} did not answer: check the address, the SSH port and the firewall.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{host} refused the login: check the user and the password or key.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{host}&apos;s host key is not confirmed yet: press &quot;Test SSH connection&quot; first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{host}&apos;s host key is not the one confirmed before: the server was reinstalled, or someone is in between. Nothing was sent to it.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MigrationWizard</name>
    <message>
        <source>&amp;Finish</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Next &gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt; &amp;Back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Migration Wizard</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ModePage</name>
    <message>
        <source> (through {host})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>172.16.0.95
root@172.16.0.96:2222
(the same login as the master unless a line names its own)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A master started by hand whose API port you forward yourself: its address and token (never saved).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Agent API address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Agent on this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attach by address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attach by address…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attached to the master&apos;s agent at {address}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Confirm the server&apos;s host key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting to {host}…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export deployment kit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export deployment kit…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>For servers this computer cannot reach: an archive with the agent, start scripts and a README to run on the master and each worker.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give a private key file or a password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Master node private IP</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Master server (SSH)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mode selection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not a worker address (host, user@host or host:port): {host}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing was sent to {host}: its host key was not confirmed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password, or the key&apos;s passphrase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Private key file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SSH address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SSH port</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Semi-managed: agent on a master server in the source cloud, with worker servers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Starting the agent on {host}…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Test SSH connection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The SSH address must be a host name or an IP address.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The SSH user is empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The agent on {host} is running.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The master and its workers are running.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The master node private IP must be an IPv4 or IPv6 address.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The private key file does not exist.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This is the first connection to {host}. Its host key fingerprint is

{fingerprint}

Compare it with the one the server shows (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the server). Trust this server from now on?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Trust this server</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Uploading the agent to {host}…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where the migration agent runs.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Worker servers (one per line)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wrote {path}: unpack it on the master and follow its README.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>agent {version}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>kept in the system keyring</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no agent yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the address workers use, like 172.16.0.94</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{host}{via}: logged in, {arch}, {agent}, {free} free</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>OptionsPage</name>
    <message>
        <source>Bandwidth limit (URL list)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checksum (MD5 / CRC-64)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Files at once</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Files with the same name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>If the destination already holds files with the same names, choose Skip. Overwrite is the default.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Leave out files matching</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Limits by the agent&apos;s local time; outside every window the limits above apply.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Migration options</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No limit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only files matching</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Overwrite (the source file replaces the destination&apos;s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Overwrite if the source is newer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>QPS limit (object storage)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Same as the source (mapped by tier)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Size only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Skip (keep the destination&apos;s file)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Skip if identical</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Storage class</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Transfer windows</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Verification</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What to do with files of the same name, and how fast.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>globs, like *.jpg photos/*</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>globs, like */tmp/*</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>one window a line, like
mon-fri 09:00-18:00 bandwidth=20MiB
sat,sun 00:00-24:00 qps=off</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <source>&amp;Look in:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Files of &amp;type:</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RateChart</name>
    <message>
        <source>Data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Data ({unit})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Files/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time (minutes)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ReviewPage</name>
    <message>
        <source>A different secret is remembered for {id}, and other tasks may use it. Replace it with the one typed? Tasks that use it will then use the new one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create and start</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Creating the task…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fail</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From: {where}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give the task a name.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep the remembered one</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep the secrets only while the agent runs (never in a file; give them again after the agent restarts)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing was changed: the remembered secret of {id} stays. Correct the secret, or untick &quot;Remember&quot; to use the one typed for this task only.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pass</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Replace</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Replace the remembered secret?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Result</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Review and pre-flight checks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Same-name files: {policy}; QPS limit: {qps}; bandwidth limit: {bw}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Some checks failed: go back and correct the entries, or create the task anyway.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Task name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The agent checks access, write permission and clocks before anything is copied.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tick the box above to create the task that way.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>To: {where}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no limit</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RunPage</name>
    <message>
        <source>Add worker</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All failed files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An incremental pass: list the source again and copy new files and files changed since they were migrated.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Apply</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bandwidth (MiB/s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel task</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel task {name} for good? It cannot be resumed; multipart uploads under way are removed at the destination, files already copied stay.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cutover and acceptance</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Deploying and starting the worker on {host}…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export failed list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exported {n} failed files to {path}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fetch the agents&apos; logs from the master and its workers into a folder.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Files in progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Final pass</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Have writes to the source stopped? The final pass lists the source again, copies what changed and checks every file at the destination; a file written after it starts may be missed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep the task</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Listing finished: {n} files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Listing: {n} files found so far</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Migrate what changed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Migration progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Migration speed limit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No limit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not a worker address (host, user@host or host:port): {host}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing was sent to {host}: its host key was not confirmed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outside the windows: {limit}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pass {pass} finished: {copied} files copied, {unchanged} unchanged, {skipped} skipped, {failed} failed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pause</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>QPS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove worker</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resume</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retry failed files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retry finished: of {retried} failed files, {copied} copied, {failed} still failing.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retrying {n} failed files.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run finished: {copied} files copied, {skipped} skipped, {failed} failed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save verification report…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved {n} log files in {folder}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server logs…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Speed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The agent does the work: closing this window does not stop the migration, and opening the task again shows it where it is.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type the worker server&apos;s address first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Verification report saved in {path}: report.html, manifest.csv and their signature.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Window {window}: {limit}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Worker</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Worker {host} joined: it takes shards now.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Worker {host} stopped: its shards go to the other servers.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Writes have stopped: start</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>after listing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>busy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>idle</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>measuring…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no limit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>until {time}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>worker server address (host, user@host or host:port)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{done} / {total} files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{speed}/s · {files} files/s · skipped {skipped} · failed {failed} · time left: {eta}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>— (not running)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>StartPage</name>
    <message>
        <source>Change the AccessKey of the chosen task; it is tested before it is kept.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a task in the list first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Credentials…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete task {name}? A running migration stops; files already copied stay at the destination.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep the task</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Migrate files from Alibaba Cloud OSS, Amazon S3, Tencent Cloud COS, local folders or URL lists into another store.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Migration Wizard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New migration</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Task {name} deleted.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TaskListModel</name>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Route</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Runs on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>listing: {count} files so far</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{done} / {total} files · failed {failed} · {percent}%</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{done} / {total} files · {percent}%</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{source} → {destination}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
