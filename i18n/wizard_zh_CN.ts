<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>CredentialsDialog</name>
    <message>
        <source>AccessKey ID</source>
        <translation>AccessKey ID</translation>
    </message>
    <message>
        <source>AccessKey Secret</source>
        <translation>AccessKey Secret</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Credentials of {name}</source>
        <translation>任务 {name} 的访问密钥</translation>
    </message>
    <message>
        <source>Destination</source>
        <translation>目的端</translation>
    </message>
    <message>
        <source>Keep it</source>
        <translation>保留原密钥</translation>
    </message>
    <message>
        <source>Nothing was changed.</source>
        <translation>未做任何更改。</translation>
    </message>
    <message>
        <source>Replace</source>
        <translation>替换</translation>
    </message>
    <message>
        <source>Replace the remembered secret?</source>
        <translation>替换已记住的密钥？</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>源端</translation>
    </message>
    <message>
        <source>Test and save</source>
        <translation>测试并保存</translation>
    </message>
    <message>
        <source>Tested and saved: the task uses them from its next run (Resume, or Migrate what changed).</source>
        <translation>测试通过并已保存：任务下次运行时使用（继续，或增量迁移）。</translation>
    </message>
    <message>
        <source>Testing…</source>
        <translation>正在测试…</translation>
    </message>
    <message>
        <source>The remembered entry {entry} may be used by other tasks too: they will use the new secret as well. Replace it?</source>
        <translation>已记住的条目 {entry} 可能也被其他任务使用：替换后它们也会改用新密钥。确定替换吗？</translation>
    </message>
    <message>
        <source>This task needs no secret (or reads it from environment variables).</source>
        <translation>此任务不需要密钥（或从环境变量读取）。</translation>
    </message>
    <message>
        <source>Type the AccessKey ID and Secret to change.</source>
        <translation>请填写要更改的 AccessKey ID 和 AccessKey Secret。</translation>
    </message>
</context>
<context>
    <name>CutoverPanel</name>
    <message>
        <source>Changed</source>
        <translation>已变化</translation>
    </message>
    <message>
        <source>Checked (differ)</source>
        <translation>已校验（不一致）</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>已迁移</translation>
    </message>
    <message>
        <source>Delta pass</source>
        <translation>增量迁移</translation>
    </message>
    <message>
        <source>Delta pass every (min, 0 = when asked)</source>
        <translation>增量迁移间隔（分钟，0 = 手动）</translation>
    </message>
    <message>
        <source>Delta pass now</source>
        <translation>立即增量迁移</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>耗时</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Files new or changed, per pass</source>
        <translation>每次迁移发现的新增或变化文件</translation>
    </message>
    <message>
        <source>Final pass</source>
        <translation>最后一次增量迁移</translation>
    </message>
    <message>
        <source>Final pass: checked {done} of {total} files at the destination, {bad} differ.</source>
        <translation>最后一次增量迁移：已在目的端校验 {done} / {total} 个文件，{bad} 个不一致。</translation>
    </message>
    <message>
        <source>Final pass: copy what changed, then check every file at the destination.</source>
        <translation>最后一次增量迁移：迁移变化的文件，再在目的端逐一校验所有文件。</translation>
    </message>
    <message>
        <source>Final pass…</source>
        <translation>最后一次增量迁移…</translation>
    </message>
    <message>
        <source>First copy</source>
        <translation>首次迁移</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Listed</source>
        <translation>已列举</translation>
    </message>
    <message>
        <source>New</source>
        <translation>新增</translation>
    </message>
    <message>
        <source>Once writes at the source have stopped: list everything again, copy what changed, check every file at the destination.</source>
        <translation>源端停止写入后进行：重新列举全部文件，迁移变化的文件，并在目的端逐一校验所有文件。</translation>
    </message>
    <message>
        <source>Pass</source>
        <translation>次数</translation>
    </message>
    <message>
        <source>Ready for cutover: the final pass checked every file at the destination and nothing failed.</source>
        <translation>可进行业务切换：最后一次增量迁移已在目的端校验所有文件，没有失败文件。</translation>
    </message>
    <message>
        <source>Save verification report…</source>
        <translation>保存迁移验收报告…</translation>
    </message>
    <message>
        <source>Set timer</source>
        <translation>设置定时</translation>
    </message>
    <message>
        <source>Syncing: start a delta pass when you want, or set a timer.</source>
        <translation>同步中：可随时进行增量迁移，或设置定时。</translation>
    </message>
    <message>
        <source>Syncing: the next delta pass starts at {time}.</source>
        <translation>同步中：下一次增量迁移在 {time} 开始。</translation>
    </message>
    <message>
        <source>The last pass found little change: stop writes at the source, then start the final pass.</source>
        <translation>上一次迁移发现的变化已很少：请停止源端写入，然后开始最后一次增量迁移。</translation>
    </message>
    <message>
        <source>and MiB changed</source>
        <translation>并且变化不超过（MiB）</translation>
    </message>
    <message>
        <source>any</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>until at most files changed</source>
        <translation>直到变化文件数不超过</translation>
    </message>
</context>
<context>
    <name>FailuresModel</name>
    <message>
        <source>Attempts</source>
        <translation>尝试次数</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>错误码</translation>
    </message>
    <message>
        <source>Error type</source>
        <translation>错误类型</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Last attempt</source>
        <translation>最后尝试时间</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>错误信息</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
</context>
<context>
    <name>Forecast</name>
    <message>
        <source>Cost: about {total} {currency} (up to {high}).</source>
        <translation>费用：约 {total} {currency}（最多 {high}）。</translation>
    </message>
    <message>
        <source>Cost: no price set (Prices…).</source>
        <translation>费用：尚未设置价格（价格…）。</translation>
    </message>
    <message>
        <source>Count the source (sampled when it is large), copy files for a short trial, and reckon the time and the cost.</source>
        <translation>统计源端文件（文件很多时抽样统计），试迁移一小段时间，并估算耗时和费用。</translation>
    </message>
    <message>
        <source>Counting the source and copying for the trial…</source>
        <translation>正在统计源端并试迁移…</translation>
    </message>
    <message>
        <source>Currency</source>
        <translation>币种</translation>
    </message>
    <message>
        <source>Forecast</source>
        <translation>迁移预估</translation>
    </message>
    <message>
        <source>GET requests, per 10,000</source>
        <translation>GET 请求，每万次</translation>
    </message>
    <message>
        <source>HEAD requests, per 10,000</source>
        <translation>HEAD 请求，每万次</translation>
    </message>
    <message>
        <source>Keep the files the trial copies</source>
        <translation>保留试迁移的文件</translation>
    </message>
    <message>
        <source>LIST requests, per 10,000</source>
        <translation>LIST 请求，每万次</translation>
    </message>
    <message>
        <source>Not set: {items}.</source>
        <translation>未设置：{items}。</translation>
    </message>
    <message>
        <source>PUT requests, per 10,000</source>
        <translation>PUT 请求，每万次</translation>
    </message>
    <message>
        <source>Prices</source>
        <translation>价格</translation>
    </message>
    <message>
        <source>Prices…</source>
        <translation>价格…</translation>
    </message>
    <message>
        <source>Size: about {n} ± {m} files, {size} ± {sm} (95%; {k} of {f} folders counted).</source>
        <translation>规模：约 {n} ± {m} 个文件，{size} ± {sm}（95% 置信；抽样统计了 {f} 个目录中的 {k} 个）。</translation>
    </message>
    <message>
        <source>Size: more than {n} files, {size} (too many to count quickly).</source>
        <translation>规模：超过 {n} 个文件，{size}（文件太多，无法快速统计）。</translation>
    </message>
    <message>
        <source>Size: {n} files, {size} (counted).</source>
        <translation>规模：{n} 个文件，{size}（已全部统计）。</translation>
    </message>
    <message>
        <source>The trial copies only files the destination does not have; unless kept, exactly those are removed again.</source>
        <translation>试迁移只迁移目的端没有的文件；不保留时，只删除这些文件。</translation>
    </message>
    <message>
        <source>Time: about {t} ({low} to {high}).</source>
        <translation>耗时：约 {t}（{low} 至 {high}）。</translation>
    </message>
    <message>
        <source>Time: about {t}.</source>
        <translation>耗时：约 {t}。</translation>
    </message>
    <message>
        <source>Traffic into the destination, per GiB</source>
        <translation>目的端流入流量，每 GiB</translation>
    </message>
    <message>
        <source>Traffic out of the source, per GiB</source>
        <translation>源端流出流量，每 GiB</translation>
    </message>
    <message>
        <source>Trial copy (s)</source>
        <translation>试迁移（秒）</translation>
    </message>
    <message>
        <source>Trial: {n} files ({size}) in {s} s, {rate}/s; {done}.</source>
        <translation>试迁移：{s} 秒迁移 {n} 个文件（{size}），{rate}/s；{done}。</translation>
    </message>
    <message>
        <source>Type the prices from the vendors&apos; price pages (they differ by region and contract); leave a line empty if it does not apply. Nothing is built in.</source>
        <translation>请按云厂商价格页面填写价格（价格因地域和合同而异）；不适用的项留空。程序不内置任何价格。</translation>
    </message>
    <message>
        <source>kept</source>
        <translation>已保留</translation>
    </message>
    <message>
        <source>removed again</source>
        <translation>已删除</translation>
    </message>
    <message>
        <source>{d} days {h} h</source>
        <translation>{d} 天 {h} 小时</translation>
    </message>
    <message>
        <source>{h} h {m} min</source>
        <translation>{h} 小时 {m} 分钟</translation>
    </message>
    <message>
        <source>{m} min</source>
        <translation>{m} 分钟</translation>
    </message>
    <message>
        <source>{s} s</source>
        <translation>{s} 秒</translation>
    </message>
</context>
<context>
    <name>LocationPage</name>
    <message>
        <source>A COS bucket name ends with the account&apos;s APPID, like photos-1250000000.</source>
        <translation>COS 存储桶名称以账号的 APPID 结尾，如 photos-1250000000。</translation>
    </message>
    <message>
        <source>AccessKey ID</source>
        <translation>AccessKey ID</translation>
    </message>
    <message>
        <source>AccessKey Secret</source>
        <translation>AccessKey Secret</translation>
    </message>
    <message>
        <source>Alibaba Cloud OSS</source>
        <translation>阿里云对象存储 OSS</translation>
    </message>
    <message>
        <source>Amazon S3 / S3-compatible</source>
        <translation>Amazon S3 / 兼容 S3 的存储</translation>
    </message>
    <message>
        <source>Automatic (path style for IP addresses and non-AWS hosts)</source>
        <translation>自动（IP 地址和非 AWS 主机使用路径风格）</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Bucket</source>
        <translation>存储桶</translation>
    </message>
    <message>
        <source>Choose a folder.</source>
        <translation>请选择文件夹。</translation>
    </message>
    <message>
        <source>Choose the URL list file.</source>
        <translation>请选择 URL 列表文件。</translation>
    </message>
    <message>
        <source>Destination</source>
        <translation>目的端</translation>
    </message>
    <message>
        <source>Endpoint</source>
        <translation>Endpoint（地域节点）</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <source>Folders and URL lists are on the master server {host}; the checks run there.</source>
        <translation>文件夹和 URL 列表位于 master 服务器 {host} 上，检查也在那里进行。</translation>
    </message>
    <message>
        <source>Give the full path, starting at the root of the disk.</source>
        <translation>请填写从磁盘根目录开始的完整路径。</translation>
    </message>
    <message>
        <source>Local folder</source>
        <translation>本地文件夹</translation>
    </message>
    <message>
        <source>Path style (endpoint/bucket/key)</source>
        <translation>路径风格（endpoint/bucket/key）</translation>
    </message>
    <message>
        <source>Prefix (optional)</source>
        <translation>前缀（可选）</translation>
    </message>
    <message>
        <source>Region</source>
        <translation>地域</translation>
    </message>
    <message>
        <source>Remember in the system keyring</source>
        <translation>记住（保存在系统密钥环中）</translation>
    </message>
    <message>
        <source>SecretId</source>
        <translation>SecretId</translation>
    </message>
    <message>
        <source>SecretKey</source>
        <translation>SecretKey</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>源端</translation>
    </message>
    <message>
        <source>Storage type</source>
        <translation>存储位置类型</translation>
    </message>
    <message>
        <source>Tencent Cloud COS</source>
        <translation>腾讯云对象存储 COS</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>测试连接</translation>
    </message>
    <message>
        <source>Test write permission</source>
        <translation>测试写入权限</translation>
    </message>
    <message>
        <source>Testing…</source>
        <translation>正在测试…</translation>
    </message>
    <message>
        <source>The AccessKey ID is empty.</source>
        <translation>AccessKey ID 未填写。</translation>
    </message>
    <message>
        <source>The AccessKey Secret is empty.</source>
        <translation>AccessKey Secret 未填写。</translation>
    </message>
    <message>
        <source>The SecretId is empty.</source>
        <translation>SecretId 为空。</translation>
    </message>
    <message>
        <source>The SecretKey is empty.</source>
        <translation>SecretKey 为空。</translation>
    </message>
    <message>
        <source>The URL list file does not exist.</source>
        <translation>URL 列表文件不存在。</translation>
    </message>
    <message>
        <source>The agent runs inside Alibaba Cloud: use the internal endpoint (no traffic fees)</source>
        <translation>Agent 运行在阿里云内：使用内网 Endpoint（不产生出流量费用）</translation>
    </message>
    <message>
        <source>The bucket name is 3-63 lower-case letters, digits, dots and hyphens.</source>
        <translation>存储桶名称由 3-63 个小写字母、数字、点（.）和短划线（-）组成。</translation>
    </message>
    <message>
        <source>The endpoint must look like https://oss-cn-hangzhou.aliyuncs.com (scheme and host, no path).</source>
        <translation>Endpoint 应形如 https://oss-cn-hangzhou.aliyuncs.com（协议和主机名，不含路径）。</translation>
    </message>
    <message>
        <source>The folder does not exist.</source>
        <translation>文件夹不存在。</translation>
    </message>
    <message>
        <source>The remembered secret of this AccessKey ID was filled in.</source>
        <translation>已填入此 AccessKey ID 记住的密钥。</translation>
    </message>
    <message>
        <source>URL list file</source>
        <translation>URL 列表文件</translation>
    </message>
    <message>
        <source>URL style</source>
        <translation>访问风格</translation>
    </message>
    <message>
        <source>Virtual-hosted style (bucket.endpoint/key)</source>
        <translation>虚拟主机风格（bucket.endpoint/key）</translation>
    </message>
    <message>
        <source>Where the files are now.</source>
        <translation>待迁移文件当前所在的位置。</translation>
    </message>
    <message>
        <source>Where the files go.</source>
        <translation>文件迁移的目的位置。</translation>
    </message>
    <message>
        <source>Where the files go. A COS bucket name ends with the APPID, like photos-1250000000.</source>
        <translation>文件迁移到的位置。COS 存储桶名称以 APPID 结尾，如 photos-1250000000。</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <source>A local file could not be read or written.</source>
        <translation>无法读取或写入本地文件。</translation>
    </message>
    <message>
        <source>A test file was written to the destination and removed.</source>
        <translation>已在目的端写入并删除一个测试文件。</translation>
    </message>
    <message>
        <source>An internal error; retrying may help.</source>
        <translation>内部错误，重试可能解决。</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Cannot connect to {address} (connection refused): check the Endpoint and the port.</source>
        <translation>无法连接到 {address}（连接被拒绝），请检查 Endpoint 和端口。</translation>
    </message>
    <message>
        <source>Changed during copy</source>
        <translation>复制期间被修改</translation>
    </message>
    <message>
        <source>Checksum mismatch</source>
        <translation>校验值不一致</translation>
    </message>
    <message>
        <source>Clock difference: {n} s.</source>
        <translation>时钟偏差：{n} 秒。</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Completed, some files failed</source>
        <translation>已完成，部分文件迁移失败</translation>
    </message>
    <message>
        <source>Could not run</source>
        <translation>无法运行</translation>
    </message>
    <message>
        <source>Destination access</source>
        <translation>目的端访问</translation>
    </message>
    <message>
        <source>Destination clock</source>
        <translation>目的端时钟</translation>
    </message>
    <message>
        <source>Destination reachable, AccessKey accepted.</source>
        <translation>目的端可访问，AccessKey 有效。</translation>
    </message>
    <message>
        <source>Error: {code}</source>
        <translation>错误：{code}</translation>
    </message>
    <message>
        <source>Existing task</source>
        <translation>已有任务</translation>
    </message>
    <message>
        <source>Internal error</source>
        <translation>内部错误</translation>
    </message>
    <message>
        <source>Invalid URL</source>
        <translation>URL 无效</translation>
    </message>
    <message>
        <source>Invalid name</source>
        <translation>文件名无效</translation>
    </message>
    <message>
        <source>Listing</source>
        <translation>列举中</translation>
    </message>
    <message>
        <source>Local file error</source>
        <translation>本地文件错误</translation>
    </message>
    <message>
        <source>Migrating</source>
        <translation>迁移中</translation>
    </message>
    <message>
        <source>Network</source>
        <translation>网络错误</translation>
    </message>
    <message>
        <source>No usable system keyring ({reason}): secrets can be kept only while the agent runs, never in a file. To remember them, install or unlock a keyring (gnome-keyring, KWallet) and start the wizard again.</source>
        <translation>没有可用的系统密钥环（{reason}）：密钥只能在迁移代理运行期间保存在内存中，绝不写入文件。如需记住密钥，请安装或解锁密钥环（gnome-keyring、KWallet）后重新启动向导。</translation>
    </message>
    <message>
        <source>Not found</source>
        <translation>文件不存在</translation>
    </message>
    <message>
        <source>Not started</source>
        <translation>未启动</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>Permission denied</source>
        <translation>权限不足</translation>
    </message>
    <message>
        <source>Permission denied: grant the account access to this bucket.</source>
        <translation>权限不足：请为该账号授予此存储桶的访问权限。</translation>
    </message>
    <message>
        <source>Ready for cutover</source>
        <translation>可进行业务切换</translation>
    </message>
    <message>
        <source>Request refused</source>
        <translation>请求被拒绝</translation>
    </message>
    <message>
        <source>Server error</source>
        <translation>服务端错误</translation>
    </message>
    <message>
        <source>Some multipart uploads could not be removed; cancel again later.</source>
        <translation>部分分块上传未能清除，请稍后再次取消。</translation>
    </message>
    <message>
        <source>Source access</source>
        <translation>源端访问</translation>
    </message>
    <message>
        <source>Source clock</source>
        <translation>源端时钟</translation>
    </message>
    <message>
        <source>Source reachable, AccessKey accepted.</source>
        <translation>源端可访问，AccessKey 有效。</translation>
    </message>
    <message>
        <source>Source size</source>
        <translation>源端数据量</translation>
    </message>
    <message>
        <source>The AccessKey was refused: check the AccessKey ID and Secret.</source>
        <translation>AccessKey 被拒绝：请检查 AccessKey ID 和 AccessKey Secret。</translation>
    </message>
    <message>
        <source>The URL list can be read.</source>
        <translation>URL 列表可以读取。</translation>
    </message>
    <message>
        <source>The agent cannot read the system keyring: unlock or install one (gnome-keyring, KWallet) and resume the task, or delete it and give the secrets again, kept only while the agent runs.</source>
        <translation>迁移代理无法读取系统密钥环：请解锁或安装密钥环（gnome-keyring、KWallet）后继续任务，或删除任务并重新填写密钥，仅在迁移代理运行期间保存。</translation>
    </message>
    <message>
        <source>The agent package for the servers is missing from this installation ({detail}).</source>
        <translation>此安装缺少服务器使用的 Agent 程序包（{detail}）。</translation>
    </message>
    <message>
        <source>The agent refused the token: copy it again from the master (the file `migration-agent token` prints).</source>
        <translation>Agent 拒绝了该令牌：请从 master 重新复制（即 `migration-agent token` 打印的文件中的内容）。</translation>
    </message>
    <message>
        <source>The bucket does not exist, or belongs to another region.</source>
        <translation>存储桶不存在，或属于其他地域。</translation>
    </message>
    <message>
        <source>The checksum did not match after retries.</source>
        <translation>多次重试后校验值仍不一致。</translation>
    </message>
    <message>
        <source>The destination folder exists and can be written.</source>
        <translation>目的端文件夹存在且可写入。</translation>
    </message>
    <message>
        <source>The endpoint cannot be reached: check the address and the network.</source>
        <translation>无法连接 Endpoint：请检查地址和网络。</translation>
    </message>
    <message>
        <source>The file is a symbolic link whose target does not exist.</source>
        <translation>该文件是一个符号链接，其指向的目标不存在。</translation>
    </message>
    <message>
        <source>The file name cannot be stored at the destination.</source>
        <translation>目的端无法保存该文件名。</translation>
    </message>
    <message>
        <source>The file no longer exists at the source.</source>
        <translation>该文件在源端已不存在。</translation>
    </message>
    <message>
        <source>The file was no longer at the source when it was copied.</source>
        <translation>迁移时该文件已不在源端。</translation>
    </message>
    <message>
        <source>The final check found the file changed or gone at the destination: retry to copy it again.</source>
        <translation>最后校验发现目的端文件已被修改或不存在：重试即可重新迁移。</translation>
    </message>
    <message>
        <source>The line is not a valid URL.</source>
        <translation>该行不是有效的 URL。</translation>
    </message>
    <message>
        <source>The migration agent is not running or does not answer.</source>
        <translation>迁移 Agent 未运行或没有响应。</translation>
    </message>
    <message>
        <source>The migration agent on {host} is not running.</source>
        <translation>{host} 上的迁移 Agent 未运行。</translation>
    </message>
    <message>
        <source>The network failed repeatedly.</source>
        <translation>网络多次出错。</translation>
    </message>
    <message>
        <source>The secret was kept only while the agent ran, and the agent has restarted since: delete the task and create it again with the secret.</source>
        <translation>密钥仅在迁移代理运行期间保存，而迁移代理已重启：请删除任务并重新填写密钥创建任务。</translation>
    </message>
    <message>
        <source>The server failed repeatedly.</source>
        <translation>服务端多次出错。</translation>
    </message>
    <message>
        <source>The server kept asking to slow down.</source>
        <translation>服务端持续要求降低请求频率。</translation>
    </message>
    <message>
        <source>The server refused the request.</source>
        <translation>服务端拒绝了请求。</translation>
    </message>
    <message>
        <source>The source file changed while it was copied.</source>
        <translation>源端文件在复制期间被修改。</translation>
    </message>
    <message>
        <source>The source folder exists and can be read.</source>
        <translation>源端文件夹存在且可读取。</translation>
    </message>
    <message>
        <source>The source holds more than {n} files.</source>
        <translation>源端有超过 {n} 个文件。</translation>
    </message>
    <message>
        <source>The source holds {n} files, {size}.</source>
        <translation>源端共有 {n} 个文件，{size}。</translation>
    </message>
    <message>
        <source>The store asked to slow down (throttling).</source>
        <translation>存储服务要求降低请求速度（流控）。</translation>
    </message>
    <message>
        <source>The store refused access (AccessDenied): check the AccessKey&apos;s permissions on this bucket.</source>
        <translation>存储服务拒绝访问（AccessDenied）：请检查该 AccessKey 对此 Bucket 的权限。</translation>
    </message>
    <message>
        <source>The task is already running elsewhere.</source>
        <translation>该任务已在其他地方运行。</translation>
    </message>
    <message>
        <source>The task “{name}” already migrates this source into this destination: open it from the task list, or delete it first.</source>
        <translation>任务“{name}”已在将此源端迁移到此目的端：请在任务列表中打开它，或先删除它。</translation>
    </message>
    <message>
        <source>The task&apos;s settings are incomplete.</source>
        <translation>任务配置不完整。</translation>
    </message>
    <message>
        <source>This computer ran out of open files: the agent waited and retried; raise its open-file limit (ulimit -n).</source>
        <translation>本机打开的文件数已达上限：迁移代理已等待并重试；请调高其打开文件数限制（ulimit -n）。</translation>
    </message>
    <message>
        <source>This computer&apos;s clock is wrong: set it right (NTP).</source>
        <translation>本机时钟不准确：请校准时间（NTP）。</translation>
    </message>
    <message>
        <source>Throttled</source>
        <translation>被限流</translation>
    </message>
    <message>
        <source>Waiting for connections</source>
        <translation>排队等待连接</translation>
    </message>
    <message>
        <source>Write permission</source>
        <translation>写入权限</translation>
    </message>
    <message>
        <source>{host} cannot be reached: check the address, the SSH port and the firewall.</source>
        <translation>无法连接 {host}：请检查地址、SSH 端口和防火墙。</translation>
    </message>
    <message>
        <source>{host} did not answer: check the address, the SSH port and the firewall.</source>
        <translation>{host} 没有响应：请检查地址、SSH 端口和防火墙。</translation>
    </message>
    <message>
        <source>{host} refused the login: check the user and the password or key.</source>
        <translation>{host} 拒绝登录：请检查用户名以及密码或密钥。</translation>
    </message>
    <message>
        <source>{host}&apos;s host key is not confirmed yet: press &quot;Test SSH connection&quot; first.</source>
        <translation>{host} 的主机密钥尚未确认：请先单击“测试 SSH 连接”。</translation>
    </message>
    <message>
        <source>{host}&apos;s host key is not the one confirmed before: the server was reinstalled, or someone is in between. Nothing was sent to it.</source>
        <translation>{host} 的主机密钥与之前确认的不同：服务器可能已重装，或连接被他人劫持。未向其发送任何内容。</translation>
    </message>
</context>
<context>
    <name>MigrationWizard</name>
    <message>
        <source>&amp;Finish</source>
        <translation>完成(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Next &gt;</source>
        <translation>下一步(&amp;N) &gt;</translation>
    </message>
    <message>
        <source>&lt; &amp;Back</source>
        <translation>&lt; 上一步(&amp;B)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Migration Wizard</source>
        <translation>迁移向导</translation>
    </message>
</context>
<context>
    <name>ModePage</name>
    <message>
        <source> (through {host})</source>
        <translation>（经由 {host}）</translation>
    </message>
    <message>
        <source>172.16.0.95
root@172.16.0.96:2222
(the same login as the master unless a line names its own)</source>
        <translation>172.16.0.95
root@172.16.0.96:2222
（除非某行单独指定，否则使用与 master 相同的登录信息）</translation>
    </message>
    <message>
        <source>A master started by hand whose API port you forward yourself: its address and token (never saved).</source>
        <translation>手动启动、并由您自行转发 API 端口的 master：填写其地址和令牌（不会保存）。</translation>
    </message>
    <message>
        <source>Agent API address</source>
        <translation>Agent API 地址</translation>
    </message>
    <message>
        <source>Agent on this computer</source>
        <translation>在本机运行 Agent</translation>
    </message>
    <message>
        <source>Attach by address</source>
        <translation>按地址连接</translation>
    </message>
    <message>
        <source>Attach by address…</source>
        <translation>按地址连接…</translation>
    </message>
    <message>
        <source>Attached to the master&apos;s agent at {address}.</source>
        <translation>已连接到 {address} 上 master 的 Agent。</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Confirm the server&apos;s host key</source>
        <translation>确认服务器的主机密钥</translation>
    </message>
    <message>
        <source>Connecting to {host}…</source>
        <translation>正在连接 {host}…</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <source>Export deployment kit</source>
        <translation>导出部署包</translation>
    </message>
    <message>
        <source>Export deployment kit…</source>
        <translation>导出部署包…</translation>
    </message>
    <message>
        <source>For servers this computer cannot reach: an archive with the agent, start scripts and a README to run on the master and each worker.</source>
        <translation>适用于本机无法连接的服务器：压缩包内含 Agent、启动脚本和说明文档，在 master 和每台 worker 服务器上运行。</translation>
    </message>
    <message>
        <source>Give a private key file or a password.</source>
        <translation>请提供私钥文件或密码。</translation>
    </message>
    <message>
        <source>Master node private IP</source>
        <translation>主节点内网IP</translation>
    </message>
    <message>
        <source>Master server (SSH)</source>
        <translation>主控服务器（SSH）</translation>
    </message>
    <message>
        <source>Mode selection</source>
        <translation>模式选择</translation>
    </message>
    <message>
        <source>Not a worker address (host, user@host or host:port): {host}</source>
        <translation>不是有效的 worker 地址（host、user@host 或 host:port）：{host}</translation>
    </message>
    <message>
        <source>Nothing was sent to {host}: its host key was not confirmed.</source>
        <translation>未向 {host} 发送任何内容：其主机密钥未被确认。</translation>
    </message>
    <message>
        <source>Password, or the key&apos;s passphrase</source>
        <translation>密码，或私钥的口令</translation>
    </message>
    <message>
        <source>Private key file</source>
        <translation>私钥文件</translation>
    </message>
    <message>
        <source>SSH address</source>
        <translation>SSH 地址</translation>
    </message>
    <message>
        <source>SSH port</source>
        <translation>SSH 端口</translation>
    </message>
    <message>
        <source>Semi-managed: agent on a master server in the source cloud, with worker servers</source>
        <translation>Agent 半托管：在源数据所在云的主控服务器上运行 Agent，并可增加 worker 服务器</translation>
    </message>
    <message>
        <source>Starting the agent on {host}…</source>
        <translation>正在 {host} 上启动 Agent…</translation>
    </message>
    <message>
        <source>Test SSH connection</source>
        <translation>测试 SSH 连接</translation>
    </message>
    <message>
        <source>The SSH address must be a host name or an IP address.</source>
        <translation>SSH 地址必须是主机名或 IP 地址。</translation>
    </message>
    <message>
        <source>The SSH user is empty.</source>
        <translation>SSH 用户名未填写。</translation>
    </message>
    <message>
        <source>The agent on {host} is running.</source>
        <translation>{host} 上的 Agent 已在运行。</translation>
    </message>
    <message>
        <source>The master and its workers are running.</source>
        <translation>master 及其 worker 服务器均已运行。</translation>
    </message>
    <message>
        <source>The master node private IP must be an IPv4 or IPv6 address.</source>
        <translation>主节点内网IP必须是 IPv4 或 IPv6 地址。</translation>
    </message>
    <message>
        <source>The private key file does not exist.</source>
        <translation>私钥文件不存在。</translation>
    </message>
    <message>
        <source>This is the first connection to {host}. Its host key fingerprint is

{fingerprint}

Compare it with the one the server shows (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the server). Trust this server from now on?</source>
        <translation>这是首次连接 {host}。其主机密钥指纹为

{fingerprint}

请与服务器上显示的指纹核对（在服务器上运行 ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub）。今后信任此服务器吗？</translation>
    </message>
    <message>
        <source>Token</source>
        <translation>令牌</translation>
    </message>
    <message>
        <source>Trust this server</source>
        <translation>信任此服务器</translation>
    </message>
    <message>
        <source>Uploading the agent to {host}…</source>
        <translation>正在将 Agent 上传到 {host}…</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Where the migration agent runs.</source>
        <translation>迁移 Agent 在哪里运行。</translation>
    </message>
    <message>
        <source>Worker servers (one per line)</source>
        <translation>worker 服务器（每行一个）</translation>
    </message>
    <message>
        <source>Wrote {path}: unpack it on the master and follow its README.</source>
        <translation>已写入 {path}：请在 master 服务器上解压并按其中的 README 操作。</translation>
    </message>
    <message>
        <source>agent {version}</source>
        <translation>Agent {version}</translation>
    </message>
    <message>
        <source>kept in the system keyring</source>
        <translation>保存在系统密钥环中</translation>
    </message>
    <message>
        <source>no agent yet</source>
        <translation>尚未部署 Agent</translation>
    </message>
    <message>
        <source>the address workers use, like 172.16.0.94</source>
        <translation>worker 服务器与其通信的地址，如 172.16.0.94</translation>
    </message>
    <message>
        <source>{host}{via}: logged in, {arch}, {agent}, {free} free</source>
        <translation>{host}{via}：已登录，{arch}，{agent}，可用空间 {free}</translation>
    </message>
</context>
<context>
    <name>OptionsPage</name>
    <message>
        <source>Bandwidth limit (URL list)</source>
        <translation>带宽限速（URL 列表模式）</translation>
    </message>
    <message>
        <source>Checksum (MD5 / CRC-64)</source>
        <translation>校验值（MD5 / CRC-64）</translation>
    </message>
    <message>
        <source>Files at once</source>
        <translation>并发文件数</translation>
    </message>
    <message>
        <source>Files with the same name</source>
        <translation>同名文件</translation>
    </message>
    <message>
        <source>If the destination already holds files with the same names, choose Skip. Overwrite is the default.</source>
        <translation>如果目的端已有同名文件，建议选择“跳过”。默认为“覆盖”。</translation>
    </message>
    <message>
        <source>Leave out files matching</source>
        <translation>排除匹配的文件</translation>
    </message>
    <message>
        <source>Limits by the agent&apos;s local time; outside every window the limits above apply.</source>
        <translation>按迁移代理所在服务器的本地时间限速；所有时段之外使用上面的限速。</translation>
    </message>
    <message>
        <source>Migration options</source>
        <translation>迁移选项</translation>
    </message>
    <message>
        <source>No limit</source>
        <translation>不限速</translation>
    </message>
    <message>
        <source>Only files matching</source>
        <translation>仅迁移匹配的文件</translation>
    </message>
    <message>
        <source>Overwrite (the source file replaces the destination&apos;s)</source>
        <translation>覆盖（源端文件覆盖目的端的同名文件）</translation>
    </message>
    <message>
        <source>Overwrite if the source is newer</source>
        <translation>源端文件较新时覆盖</translation>
    </message>
    <message>
        <source>QPS limit (object storage)</source>
        <translation>限制 QPS（对象存储模式）</translation>
    </message>
    <message>
        <source>Same as the source (mapped by tier)</source>
        <translation>与源端相同（按存储层级对应）</translation>
    </message>
    <message>
        <source>Size only</source>
        <translation>仅比较大小</translation>
    </message>
    <message>
        <source>Skip (keep the destination&apos;s file)</source>
        <translation>跳过（保留目的端的同名文件）</translation>
    </message>
    <message>
        <source>Skip if identical</source>
        <translation>内容相同时跳过</translation>
    </message>
    <message>
        <source>Storage class</source>
        <translation>存储类型</translation>
    </message>
    <message>
        <source>Transfer windows</source>
        <translation>分时段限速</translation>
    </message>
    <message>
        <source>Verification</source>
        <translation>校验方式</translation>
    </message>
    <message>
        <source>What to do with files of the same name, and how fast.</source>
        <translation>同名文件如何处理，以及迁移限速。</translation>
    </message>
    <message>
        <source>globs, like *.jpg photos/*</source>
        <translation>通配符，如 *.jpg photos/*</translation>
    </message>
    <message>
        <source>globs, like */tmp/*</source>
        <translation>通配符，如 */tmp/*</translation>
    </message>
    <message>
        <source>one window a line, like
mon-fri 09:00-18:00 bandwidth=20MiB
sat,sun 00:00-24:00 qps=off</source>
        <translation>每行一个时段，例如
mon-fri 09:00-18:00 bandwidth=20MiB
sat,sun 00:00-24:00 qps=off</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <source>&amp;Look in:</source>
        <translation>查找范围(&amp;L)：</translation>
    </message>
    <message>
        <source>Files of &amp;type:</source>
        <translation>文件类型(&amp;T)：</translation>
    </message>
</context>
<context>
    <name>RateChart</name>
    <message>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>Data ({unit})</source>
        <translation>数据（{unit}）</translation>
    </message>
    <message>
        <source>Files</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Files/s</source>
        <translation>文件/秒</translation>
    </message>
    <message>
        <source>Time (minutes)</source>
        <translation>时间（分钟）</translation>
    </message>
</context>
<context>
    <name>ReviewPage</name>
    <message>
        <source>A different secret is remembered for {id}, and other tasks may use it. Replace it with the one typed? Tasks that use it will then use the new one.</source>
        <translation>系统已为 {id} 记住了另一个密钥，其他任务可能正在使用它。要用刚填写的密钥替换吗？替换后，使用它的任务都会改用新密钥。</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>检查项</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在检查…</translation>
    </message>
    <message>
        <source>Create and start</source>
        <translation>新建并启动</translation>
    </message>
    <message>
        <source>Creating the task…</source>
        <translation>正在创建任务…</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>Fail</source>
        <translation>未通过</translation>
    </message>
    <message>
        <source>From: {where}</source>
        <translation>源端：{where}</translation>
    </message>
    <message>
        <source>Give the task a name.</source>
        <translation>请填写任务名称。</translation>
    </message>
    <message>
        <source>Keep the remembered one</source>
        <translation>保留已记住的密钥</translation>
    </message>
    <message>
        <source>Keep the secrets only while the agent runs (never in a file; give them again after the agent restarts)</source>
        <translation>仅在迁移代理运行期间保存密钥（绝不写入文件；迁移代理重启后需重新填写）</translation>
    </message>
    <message>
        <source>Nothing was changed: the remembered secret of {id} stays. Correct the secret, or untick &quot;Remember&quot; to use the one typed for this task only.</source>
        <translation>未做任何更改：{id} 已记住的密钥保持不变。请更正密钥，或取消勾选“记住”，让填写的密钥只用于此任务。</translation>
    </message>
    <message>
        <source>Pass</source>
        <translation>通过</translation>
    </message>
    <message>
        <source>Replace</source>
        <translation>替换</translation>
    </message>
    <message>
        <source>Replace the remembered secret?</source>
        <translation>替换已记住的密钥？</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Review and pre-flight checks</source>
        <translation>确认与迁移前检查</translation>
    </message>
    <message>
        <source>Same-name files: {policy}; QPS limit: {qps}; bandwidth limit: {bw}</source>
        <translation>同名文件：{policy}；QPS 限制：{qps}；带宽限速：{bw}</translation>
    </message>
    <message>
        <source>Some checks failed: go back and correct the entries, or create the task anyway.</source>
        <translation>部分检查未通过：请返回修改，或仍然创建任务。</translation>
    </message>
    <message>
        <source>Task name</source>
        <translation>任务名称</translation>
    </message>
    <message>
        <source>The agent checks access, write permission and clocks before anything is copied.</source>
        <translation>开始复制前，Agent 会检查访问权限、写入权限和时钟。</translation>
    </message>
    <message>
        <source>Tick the box above to create the task that way.</source>
        <translation>勾选上方的选项即可按此方式创建任务。</translation>
    </message>
    <message>
        <source>To: {where}</source>
        <translation>目的端：{where}</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>不限速</translation>
    </message>
</context>
<context>
    <name>RunPage</name>
    <message>
        <source>Add worker</source>
        <translation>添加 worker</translation>
    </message>
    <message>
        <source>All failed files</source>
        <translation>全部失败文件</translation>
    </message>
    <message>
        <source>An incremental pass: list the source again and copy new files and files changed since they were migrated.</source>
        <translation>增量迁移：重新列举源端，迁移新增的文件和迁移后发生变化的文件。</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>应用</translation>
    </message>
    <message>
        <source>Bandwidth (MiB/s)</source>
        <translation>带宽（MiB/s）</translation>
    </message>
    <message>
        <source>Cancel task</source>
        <translation>取消任务</translation>
    </message>
    <message>
        <source>Cancel task {name} for good? It cannot be resumed; multipart uploads under way are removed at the destination, files already copied stay.</source>
        <translation>确定要彻底取消任务 {name} 吗？取消后无法继续；目的端进行中的分片上传会被清除，已迁移的文件会保留。</translation>
    </message>
    <message>
        <source>Cutover and acceptance</source>
        <translation>业务切换与迁移验收</translation>
    </message>
    <message>
        <source>Deploying and starting the worker on {host}…</source>
        <translation>正在 {host} 上部署并启动 worker…</translation>
    </message>
    <message>
        <source>Export failed list</source>
        <translation>导出失败文件列表</translation>
    </message>
    <message>
        <source>Exported {n} failed files to {path}.</source>
        <translation>已将 {n} 个失败文件导出到 {path}。</translation>
    </message>
    <message>
        <source>Failed files</source>
        <translation>失败文件</translation>
    </message>
    <message>
        <source>Fetch the agents&apos; logs from the master and its workers into a folder.</source>
        <translation>将 master 及其 worker 服务器上 Agent 的日志下载到一个文件夹。</translation>
    </message>
    <message>
        <source>Files in progress</source>
        <translation>正在迁移的文件</translation>
    </message>
    <message>
        <source>Final pass</source>
        <translation>最后一次增量迁移</translation>
    </message>
    <message>
        <source>Have writes to the source stopped? The final pass lists the source again, copies what changed and checks every file at the destination; a file written after it starts may be missed.</source>
        <translation>源端是否已停止写入？最后一次增量迁移会重新列举源端，迁移变化的文件，并在目的端逐一校验所有文件；开始之后写入的文件可能不会被迁移。</translation>
    </message>
    <message>
        <source>Keep the task</source>
        <translation>保留任务</translation>
    </message>
    <message>
        <source>Listing finished: {n} files</source>
        <translation>列举完成：共 {n} 个文件</translation>
    </message>
    <message>
        <source>Listing: {n} files found so far</source>
        <translation>列举中：已发现 {n} 个文件</translation>
    </message>
    <message>
        <source>Migrate what changed</source>
        <translation>增量迁移</translation>
    </message>
    <message>
        <source>Migration progress</source>
        <translation>迁移进度</translation>
    </message>
    <message>
        <source>Migration speed limit</source>
        <translation>迁移限速</translation>
    </message>
    <message>
        <source>No limit</source>
        <translation>不限速</translation>
    </message>
    <message>
        <source>Not a worker address (host, user@host or host:port): {host}</source>
        <translation>不是有效的 worker 地址（host、user@host 或 host:port）：{host}</translation>
    </message>
    <message>
        <source>Not yet</source>
        <translation>暂不开始</translation>
    </message>
    <message>
        <source>Nothing was sent to {host}: its host key was not confirmed.</source>
        <translation>未向 {host} 发送任何内容：其主机密钥未被确认。</translation>
    </message>
    <message>
        <source>Outside the windows: {limit}</source>
        <translation>限速时段之外：{limit}</translation>
    </message>
    <message>
        <source>Pass {pass} finished: {copied} files copied, {unchanged} unchanged, {skipped} skipped, {failed} failed.</source>
        <translation>增量迁移（第 {pass} 次）完成：迁移 {copied} 个文件，未变化 {unchanged} 个，跳过 {skipped} 个，失败 {failed} 个。</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>QPS</source>
        <translation>QPS</translation>
    </message>
    <message>
        <source>Remove worker</source>
        <translation>移除 worker</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Retry failed files</source>
        <translation>重试失败任务</translation>
    </message>
    <message>
        <source>Retry finished: of {retried} failed files, {copied} copied, {failed} still failing.</source>
        <translation>重试完成：{retried} 个失败文件中，{copied} 个已迁移，{failed} 个仍然失败。</translation>
    </message>
    <message>
        <source>Retrying {n} failed files.</source>
        <translation>正在重试 {n} 个失败文件。</translation>
    </message>
    <message>
        <source>Run finished: {copied} files copied, {skipped} skipped, {failed} failed.</source>
        <translation>运行完成：迁移 {copied} 个文件，跳过 {skipped} 个，失败 {failed} 个。</translation>
    </message>
    <message>
        <source>Save verification report…</source>
        <translation>保存迁移验收报告…</translation>
    </message>
    <message>
        <source>Saved {n} log files in {folder}.</source>
        <translation>已将 {n} 个日志文件保存到 {folder}。</translation>
    </message>
    <message>
        <source>Server logs…</source>
        <translation>服务器日志…</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>速度</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>The agent does the work: closing this window does not stop the migration, and opening the task again shows it where it is.</source>
        <translation>迁移由 Agent 执行：关闭本窗口不会停止迁移，再次打开任务即可查看当前进度。</translation>
    </message>
    <message>
        <source>Type the worker server&apos;s address first.</source>
        <translation>请先填写 worker 服务器的地址。</translation>
    </message>
    <message>
        <source>Verification report saved in {path}: report.html, manifest.csv and their signature.</source>
        <translation>迁移验收报告已保存到 {path}：report.html、manifest.csv 及其签名。</translation>
    </message>
    <message>
        <source>Window {window}: {limit}</source>
        <translation>限速时段 {window}：{limit}</translation>
    </message>
    <message>
        <source>Worker</source>
        <translation>worker 服务器</translation>
    </message>
    <message>
        <source>Worker {host} joined: it takes shards now.</source>
        <translation>worker {host} 已加入：现在开始领取分片。</translation>
    </message>
    <message>
        <source>Worker {host} stopped: its shards go to the other servers.</source>
        <translation>worker {host} 已停止：其分片交由其他服务器处理。</translation>
    </message>
    <message>
        <source>Writes have stopped: start</source>
        <translation>已停止写入，开始</translation>
    </message>
    <message>
        <source>after listing</source>
        <translation>列举完成后可知</translation>
    </message>
    <message>
        <source>busy</source>
        <translation>忙碌</translation>
    </message>
    <message>
        <source>idle</source>
        <translation>空闲</translation>
    </message>
    <message>
        <source>measuring…</source>
        <translation>测算中…</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>不限速</translation>
    </message>
    <message>
        <source>until {time}</source>
        <translation>至 {time}</translation>
    </message>
    <message>
        <source>worker server address (host, user@host or host:port)</source>
        <translation>worker 服务器地址（host、user@host 或 host:port）</translation>
    </message>
    <message>
        <source>{done} / {total} files</source>
        <translation>{done} / {total} 个文件</translation>
    </message>
    <message>
        <source>{speed}/s · {files} files/s · skipped {skipped} · failed {failed} · time left: {eta}</source>
        <translation>{speed}/s · {files} 个文件/s · 跳过 {skipped} · 失败 {failed} · 剩余时间：{eta}</translation>
    </message>
    <message>
        <source>— (not running)</source>
        <translation>—（未在运行）</translation>
    </message>
</context>
<context>
    <name>StartPage</name>
    <message>
        <source>Change the AccessKey of the chosen task; it is tested before it is kept.</source>
        <translation>更改所选任务的 AccessKey；保存前会先测试。</translation>
    </message>
    <message>
        <source>Choose a task in the list first.</source>
        <translation>请先在列表中选择一个任务。</translation>
    </message>
    <message>
        <source>Credentials…</source>
        <translation>访问密钥…</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Delete task {name}? A running migration stops; files already copied stay at the destination.</source>
        <translation>删除任务 {name}？正在进行的迁移将停止，已迁移到目的端的文件会保留。</translation>
    </message>
    <message>
        <source>Keep the task</source>
        <translation>保留任务</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Migrate files from Alibaba Cloud OSS, Amazon S3, Tencent Cloud COS, local folders or URL lists into another store.</source>
        <translation>将阿里云对象存储 OSS、Amazon S3、腾讯云对象存储 COS、本地文件夹或 URL 列表中的文件迁移到另一个存储。</translation>
    </message>
    <message>
        <source>Migration Wizard</source>
        <translation>迁移向导</translation>
    </message>
    <message>
        <source>New migration</source>
        <translation>新建迁移任务</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Task {name} deleted.</source>
        <translation>任务 {name} 已删除。</translation>
    </message>
</context>
<context>
    <name>TaskListModel</name>
    <message>
        <source>Name</source>
        <translation>任务名称</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <source>Route</source>
        <translation>迁移路径</translation>
    </message>
    <message>
        <source>Runs on</source>
        <translation>运行位置</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>This computer</source>
        <translation>本机</translation>
    </message>
    <message>
        <source>listing: {count} files so far</source>
        <translation>列举中：已发现 {count} 个文件</translation>
    </message>
    <message>
        <source>{done} / {total} files · failed {failed} · {percent}%</source>
        <translation>{done} / {total} 个文件 · 失败 {failed} · {percent}%</translation>
    </message>
    <message>
        <source>{done} / {total} files · {percent}%</source>
        <translation>{done} / {total} 个文件 · {percent}%</translation>
    </message>
    <message>
        <source>{source} → {destination}</source>
        <translation>{source} → {destination}</translation>
    </message>
</context>
</TS>
