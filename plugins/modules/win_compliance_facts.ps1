#!powershell

# Copyright: (c) 2026, Tripod maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic

# Gathers everything Tripod's Windows checks and reports need in one round trip and returns it as
# ansible_facts.tripod_compliance, in the shape of docs/schema.md (the same shape as the Linux module).
# Read-only: nothing on the host is changed. Every probe is wrapped: a failure or a timeout becomes an
# entry in `errors` and leaves its section at its empty value; the module itself never fails because of
# one probe. Windows PowerShell 5.1 compatible (no ternaries, no null-coalescing, no PowerShell 7 cmdlets).

$spec = @{
    options = @{
        services = @{ type = 'list'; elements = 'str'; default = @() }
        certificate_paths = @{ type = 'list'; elements = 'str'; default = @() }
        backup_markers = @{ type = 'list'; elements = 'path'; default = @() }
        search_updates = @{ type = 'bool'; default = $true }
        update_search_timeout = @{ type = 'int'; default = 300 }
        probe_timeout = @{ type = 'int'; default = 60 }
    }
    supports_check_mode = $true
}

$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)

$watchedServices = @($module.Params.services | Where-Object { -not [String]::IsNullOrWhiteSpace([String]$_) })
$certificatePaths = @($module.Params.certificate_paths | Where-Object { -not [String]::IsNullOrWhiteSpace([String]$_) })
$backupMarkers = @($module.Params.backup_markers | Where-Object { -not [String]::IsNullOrWhiteSpace([String]$_) })
$searchUpdates = [bool]$module.Params.search_updates
$updateSearchTimeout = [int]$module.Params.update_search_timeout
$script:probeTimeout = [int]$module.Params.probe_timeout

if ($updateSearchTimeout -lt 1) {
    $module.FailJson("update_search_timeout must be a positive number of seconds, got $updateSearchTimeout")
}
if ($script:probeTimeout -lt 1) {
    $module.FailJson("probe_timeout must be a positive number of seconds, got $($script:probeTimeout)")
}

$stopwatch = [System.Diagnostics.Stopwatch]::StartNew()
$script:nowUtc = [DateTime]::UtcNow
$script:errors = New-Object -TypeName 'System.Collections.Generic.List[Object]'
$script:probeSeconds = @{}

# Category IDs are stable across display languages, unlike the category names.
$script:securityCategoryIds = @(
    '0fa1201d-4330-4fa8-8ae9-b877473b6441'  # Security Updates
    'e6cf1350-c01b-414d-a61f-263d14d133b4'  # Critical Updates
)
$script:definitionCategoryId = 'e0789628-ce08-4437-be74-2495b842f43b'  # Definition Updates

# ---------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------

function Format-ProbeError {
    <# Turns an ErrorRecord into one short line, unwrapping PowerShell's invocation wrappers. #>
    param([Parameter(Mandatory = $true)][System.Management.Automation.ErrorRecord]$ErrorRecord)

    $exception = $ErrorRecord.Exception
    while (($exception -is [System.Management.Automation.MethodInvocationException] -or
            $exception -is [System.Reflection.TargetInvocationException]) -and $null -ne $exception.InnerException) {
        $exception = $exception.InnerException
    }
    $message = ([String]$exception.Message).Trim() -replace '\s+', ' '
    if ($exception -is [System.Runtime.InteropServices.COMException] -or $exception -is [System.UnauthorizedAccessException]) {
        $message = '{0} (HRESULT 0x{1:X8})' -f $message, $exception.HResult
    }
    if ($message.Length -gt 400) {
        $message = $message.Substring(0, 400) + '...'
    }
    return $message
}

function Add-ProbeError {
    param(
        [Parameter(Mandatory = $true)][String]$Probe,
        [Parameter(Mandatory = $true)][AllowEmptyString()][String]$Message
    )
    $script:errors.Add(@{ probe = $Probe; message = $Message })
}

function Add-ProbeTime {
    param([String]$Probe, [Double]$Seconds)
    if ($script:probeSeconds.ContainsKey($Probe)) {
        $Seconds += [Double]$script:probeSeconds[$Probe]
    }
    $script:probeSeconds[$Probe] = [Math]::Round($Seconds, 3)
}

function Invoke-Probe {
    <# Runs one probe; any terminating error becomes an `errors` entry instead of failing the module. #>
    param(
        [Parameter(Mandatory = $true)][String]$Name,
        [Parameter(Mandatory = $true)][ScriptBlock]$ScriptBlock
    )
    $probeWatch = [System.Diagnostics.Stopwatch]::StartNew()
    try {
        $null = & $ScriptBlock
    }
    catch {
        Add-ProbeError -Probe $Name -Message (Format-ProbeError -ErrorRecord $_)
    }
    finally {
        $probeWatch.Stop()
        Add-ProbeTime -Probe $Name -Seconds $probeWatch.Elapsed.TotalSeconds
    }
}

function Get-CimData {
    <# Get-CimInstance with the module's probe timeout, so a wedged WMI provider cannot hang the module. #>
    param(
        [Parameter(Mandatory = $true)][String]$ClassName,
        [String]$Namespace = 'root/cimv2',
        [String]$Filter
    )
    $cimParams = @{
        ClassName = $ClassName
        Namespace = $Namespace
        OperationTimeoutSec = $script:probeTimeout
        ErrorAction = 'Stop'
    }
    if ($Filter) {
        $cimParams.Filter = $Filter
    }
    Get-CimInstance @cimParams
}

function Test-CimNotAvailable {
    <# True when a CIM error means "this provider is not installed" rather than "the probe failed". #>
    param([Parameter(Mandatory = $true)][System.Management.Automation.ErrorRecord]$ErrorRecord)
    $exception = $ErrorRecord.Exception
    if ($exception.GetType().FullName -ne 'Microsoft.Management.Infrastructure.CimException') {
        return $false
    }
    return ([String]$exception.NativeErrorCode) -in @('InvalidNamespace', 'InvalidClass', 'NotFound')
}

function Get-RegistryValue {
    <# Reads one registry value; $null when the key or the value does not exist. #>
    param(
        [Parameter(Mandatory = $true)][String]$Path,
        [Parameter(Mandatory = $true)][String]$Name
    )
    $key = Get-Item -LiteralPath $Path -ErrorAction SilentlyContinue
    if ($null -eq $key) {
        return $null
    }
    return $key.GetValue($Name, $null)
}

function ConvertTo-IsoUtc {
    <# ISO 8601 UTC string ("2026-11-27T23:05:00Z"), or $null. -AssumeUtc for DateTimes of unspecified kind that are UTC. #>
    param(
        [AllowNull()][Object]$Date,
        [Switch]$AssumeUtc
    )
    if ($null -eq $Date) {
        return $null
    }
    $value = [DateTime]$Date
    if ($value.Kind -eq [DateTimeKind]::Unspecified -and $AssumeUtc) {
        $value = [DateTime]::SpecifyKind($value, [DateTimeKind]::Utc)
    }
    return $value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", [System.Globalization.CultureInfo]::InvariantCulture)
}

function Get-Percent {
    param([Double]$Part, [Double]$Whole)
    if ($Whole -le 0) {
        return 0.0
    }
    return [Math]::Round(($Part / $Whole) * 100.0, 1)
}

function Invoke-NativeCommand {
    <# Runs an executable with a hard timeout; returns @{ rc; stdout; stderr }. Throws on timeout. #>
    param(
        [Parameter(Mandatory = $true)][String]$FilePath,
        [String]$Arguments = '',
        [Parameter(Mandatory = $true)][Int32]$TimeoutSeconds
    )
    $startInfo = New-Object -TypeName System.Diagnostics.ProcessStartInfo
    $startInfo.FileName = $FilePath
    $startInfo.Arguments = $Arguments
    $startInfo.UseShellExecute = $false
    $startInfo.CreateNoWindow = $true
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true

    $process = New-Object -TypeName System.Diagnostics.Process
    $process.StartInfo = $startInfo
    try {
        $null = $process.Start()
        # Read both streams asynchronously so a full pipe buffer cannot deadlock the wait.
        $stdoutTask = $process.StandardOutput.ReadToEndAsync()
        $stderrTask = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
            try {
                $process.Kill()
            }
            catch {
                $null = $_  # already gone
            }
            throw "'$FilePath $Arguments' did not finish within $TimeoutSeconds s"
        }
        $process.WaitForExit()
        return @{
            rc = $process.ExitCode
            stdout = $stdoutTask.Result
            stderr = $stderrTask.Result
        }
    }
    finally {
        $process.Dispose()
    }
}

# ---------------------------------------------------------------------------------------------------------
# Windows Update search: runs in its own runspace so that a hung Windows Update Agent cannot hang the module.
# It writes into a synchronized hashtable, so whatever finished before a timeout (the history) is kept.
# ---------------------------------------------------------------------------------------------------------

$windowsUpdateScript = @'
param($State, $SecurityCategoryIds, $DefinitionCategoryId)
$ErrorActionPreference = 'Stop'

function Format-WuaError {
    param($ErrorRecord)
    $exception = $ErrorRecord.Exception
    while ($null -ne $exception.InnerException -and
        ($exception -is [System.Management.Automation.MethodInvocationException] -or
            $exception -is [System.Reflection.TargetInvocationException])) {
        $exception = $exception.InnerException
    }
    $message = ([String]$exception.Message).Trim() -replace '\s+', ' '
    if ($exception -is [System.Runtime.InteropServices.COMException] -or $exception -is [System.UnauthorizedAccessException]) {
        $message = '{0} (HRESULT 0x{1:X8})' -f $message, $exception.HResult
    }
    if ($exception.HResult -eq -2147024891) {
        # 0x80070005 E_ACCESSDENIED: the agent refuses a network logon token.
        $message += '; run the module with become (runas, SYSTEM)'
    }
    return $message
}

try {
    $session = New-Object -ComObject Microsoft.Update.Session
    $session.ClientApplicationID = 'tripod.maintenance.win_compliance_facts'
}
catch {
    $State.history_error = Format-WuaError -ErrorRecord $_
    $State.search_error = $State.history_error
    return
}

# History first: it is quick, and it is kept even if the search below times out.
try {
    $historySearcher = $session.CreateUpdateSearcher()
    $total = [int]$historySearcher.GetTotalHistoryCount()
    $installed = New-Object -TypeName 'System.Collections.Generic.List[DateTime]'
    if ($total -gt 0) {
        $entries = $historySearcher.QueryHistory(0, [Math]::Min($total, 500))
        foreach ($entry in $entries) {
            # Operation 1 = installation, ResultCode 2 = succeeded. WUA reports these dates in UTC.
            if ([int]$entry.Operation -ne 1 -or [int]$entry.ResultCode -ne 2 -or $null -eq $entry.Date) {
                continue
            }
            # Defender definition updates arrive several times a day; counting them would make every host
            # look freshly patched and would date a pending reboot from the first definition after boot.
            if ([String]$entry.Title -match 'KB2267602') {
                continue
            }
            $isDefinition = $false
            try {
                foreach ($category in $entry.Categories) {
                    if (([String]$category.CategoryID).ToLowerInvariant() -eq $DefinitionCategoryId) {
                        $isDefinition = $true
                    }
                }
            }
            catch {
                $isDefinition = $false  # IUpdateHistoryEntry2.Categories is missing on very old agents
            }
            if (-not $isDefinition) {
                $installed.Add([DateTime]::SpecifyKind([DateTime]$entry.Date, [DateTimeKind]::Utc))
            }
        }
    }
    $State.installed_dates = $installed.ToArray()
}
catch {
    $State.history_error = Format-WuaError -ErrorRecord $_
}

if (-not $State.search_enabled) {
    return
}

try {
    $searcher = $session.CreateUpdateSearcher()
    $result = $searcher.Search("IsInstalled=0 and IsHidden=0 and Type='Software'")
    # OperationResultCode: 2 = succeeded, 3 = succeeded with errors; anything else is a failed search.
    $code = [int]$result.ResultCode
    if ($code -ne 2 -and $code -ne 3) {
        $State.search_error = "Windows Update search returned result code $code"
        return
    }
    $updates = New-Object -TypeName 'System.Collections.Generic.List[Object]'
    foreach ($update in $result.Updates) {
        # Optional ("browse only") updates such as preview cumulative updates and feature upgrades are
        # offered, not pending; they are left out.
        if ($update.BrowseOnly) {
            continue
        }
        $kbIds = @($update.KBArticleIDs | ForEach-Object -Process { 'KB{0}' -f $_ })
        $categoryIds = @($update.Categories | ForEach-Object -Process { ([String]$_.CategoryID).ToLowerInvariant() })
        $categoryNames = @($update.Categories | ForEach-Object -Process { [String]$_.Name })
        $severity = [String]$update.MsrcSeverity
        if ([String]::IsNullOrWhiteSpace($severity)) {
            $severity = $null
        }
        $isSecurity = $null -ne $severity
        foreach ($categoryId in $categoryIds) {
            if ($SecurityCategoryIds -contains $categoryId) {
                $isSecurity = $true
            }
        }
        if ($categoryNames -contains 'Security Updates' -or $categoryNames -contains 'Critical Updates') {
            $isSecurity = $true
        }
        $kb = $null
        if ($kbIds.Count -gt 0) {
            $kb = $kbIds[0]
        }
        $candidate = $kb
        if ($null -eq $candidate) {
            $candidate = '{0}:{1}' -f $update.Identity.UpdateID, $update.Identity.RevisionNumber
        }
        $updates.Add(@{
                name = [String]$update.Title
                installed = $null
                candidate = $candidate
                origin = 'Windows Update'
                security = [bool]$isSecurity
                kb = $kb
                severity = $severity
            })
    }
    $State.updates = $updates.ToArray()
}
catch {
    $State.search_error = Format-WuaError -ErrorRecord $_
}
'@

$wuState = [Hashtable]::Synchronized(@{ search_enabled = $searchUpdates })
$wuPowerShell = $null
$wuAsync = $null
try {
    $wuPowerShell = [PowerShell]::Create()
    $null = $wuPowerShell.AddScript($windowsUpdateScript).AddArgument($wuState).AddArgument($script:securityCategoryIds).AddArgument($script:definitionCategoryId)
    $wuAsync = $wuPowerShell.BeginInvoke()
}
catch {
    Add-ProbeError -Probe 'patches.pending' -Message (Format-ProbeError -ErrorRecord $_)
    $wuPowerShell = $null
}
$wuDeadline = $script:nowUtc.AddSeconds($updateSearchTimeout)

# ---------------------------------------------------------------------------------------------------------
# The facts, each section at its empty value until its probe succeeds. A value that was not assessed is
# $null, never a reassuring 0 or $false (an empty pending list is only meaningful with a count beside it).
# ---------------------------------------------------------------------------------------------------------

$facts = @{
    schema_version = 1
    collected_at = ConvertTo-IsoUtc -Date $script:nowUtc
    duration_seconds = 0.0
    os_family = 'windows'
    identity = @{
        hostname = $null
        fqdn = $null
        distribution = $null
        distribution_version = $null
        distribution_codename = $null
        kernel = $null
        architecture = $null
        virtualization = $null
        hardware = @{ vendor = $null; model = $null; serial = $null; bios_date = $null }
        uptime_seconds = $null
        boot_time = $null
    }
    lifecycle = @{ product = $null; version = $null; eol_date = $null; days_left = $null; source = $null }
    patches = @{
        manager = 'windows_update'
        pending = @()
        security_count = $null
        other_count = $null
        held = @()
        last_upgrade = $null
        reboot_required = $null
        reboot_reasons = @()
        reboot_required_since = $null
        lists = $null
    }
    capacity = @{
        filesystems = @()
        memory = @{ total_bytes = $null; available_bytes = $null; used_percent = $null }
        swap = @{ total_bytes = $null; free_bytes = $null; used_percent = $null }
        load = @{ load1 = $null; load5 = $null; load15 = $null; cores = $null; per_core15 = $null }
    }
    services = @{ failed = @(); watched = @{} }
    time = @{ synchronized = $null; source = $null; service = 'w32time' }
    security = @{
        ssh = @{ settings = @{} }
        accounts = @{ uid0 = @(); empty_password = @(); local_admins = @(); guest_enabled = $null }
        sudo = @{ nopasswd = @() }
        firewall = @{ active = $null; backend = 'windows'; profiles = @{} }
        auto_updates = @{ configured = $null; mechanism = 'windows_update' }
        auditd = @{ installed = $null; running = $null }
        world_writable = @{ paths = @(); files = @(); truncated = $false }
        defender = @{ realtime_enabled = $null; signature_age_days = $null; antivirus_enabled = $null }
        bitlocker = @{}
    }
    certificates = @()
    backups = @()
    errors = $script:errors
    probe_seconds = $script:probeSeconds
}

# Shared between probes; filled by the identity probe.
$script:os = $null
$script:bootTimeUtc = $null
$script:services = $null

# ---------------------------------------------------------------------------------------------------------
# identity
# ---------------------------------------------------------------------------------------------------------

function Get-DistributionName {
    <# "Microsoft Windows Server 2022 Standard" -> "Windows Server 2022"; "Microsoft Windows 11 Pro" -> "Windows 11". #>
    param([String]$Caption)
    if ([String]::IsNullOrWhiteSpace($Caption)) {
        return $null
    }
    $clean = (($Caption -replace '[\u00AE\u2122]', '') -replace '\s+', ' ').Trim()
    if ($clean -match '(Windows Server \d{4}(?: R2)?)') {
        return $Matches[1]
    }
    if ($clean -match '(Windows \d+(?:\.\d+)?)') {
        return $Matches[1]
    }
    return ($clean -replace '^Microsoft ', '')
}

function Get-VirtualizationType {
    <# systemd-detect-virt vocabulary, so Linux and Windows hosts group together in reports. #>
    param([String]$Manufacturer, [String]$Model)
    $vendor = [String]$Manufacturer
    $product = [String]$Model
    if ($vendor -match 'Microsoft' -and $product -match 'Virtual Machine') {
        return 'microsoft'
    }
    if ($vendor -match 'VMware' -or $product -match 'VMware') {
        return 'vmware'
    }
    if ($product -match 'VirtualBox' -or $vendor -match 'innotek') {
        return 'oracle'
    }
    if ($vendor -match '^Xen' -or $product -match 'HVM domU') {
        return 'xen'
    }
    if ($vendor -match 'Amazon EC2') {
        return 'amazon'
    }
    if ($vendor -match '^Google' -or $product -match 'Google Compute Engine') {
        return 'google'
    }
    if ($vendor -match 'QEMU|oVirt|Red Hat|Nutanix|Proxmox|OpenStack|DigitalOcean|Scaleway' -or
        $product -match 'KVM|RHEV|OpenStack|AHV|Bochs|Standard PC \(') {
        return 'kvm'
    }
    if ($vendor -match 'Parallels') {
        return 'parallels'
    }
    return 'none'
}

function Get-CleanHardwareString {
    <# Firmware placeholders ("To be filled by O.E.M.", "Default string", ...) become $null. #>
    param([AllowNull()][Object]$Value)
    $text = ([String]$Value).Trim()
    if ($text -eq '' -or $text -match '^(To be filled by O\.?E\.?M\.?|Default string|System Serial Number|System Product Name|System manufacturer|None|0+)$') {
        return $null
    }
    return $text
}

Invoke-Probe -Name 'identity' -ScriptBlock {
    $os = Get-CimData -ClassName Win32_OperatingSystem | Select-Object -First 1
    $script:os = $os
    $currentVersion = 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
    $displayVersion = Get-RegistryValue -Path $currentVersion -Name 'DisplayVersion'
    if (-not $displayVersion) {
        $displayVersion = Get-RegistryValue -Path $currentVersion -Name 'ReleaseId'
    }
    $ubr = Get-RegistryValue -Path $currentVersion -Name 'UBR'

    $ipProperties = [System.Net.NetworkInformation.IPGlobalProperties]::GetIPGlobalProperties()
    $hostName = [String]$ipProperties.HostName
    if (-not $hostName) {
        $hostName = $env:COMPUTERNAME
    }
    $fqdn = $hostName
    if ($ipProperties.DomainName) {
        $fqdn = '{0}.{1}' -f $hostName, $ipProperties.DomainName
    }

    $kernel = [String]$os.BuildNumber
    if ($null -ne $ubr) {
        $kernel = '{0}.{1}' -f $os.BuildNumber, $ubr
    }

    $processorArchitecture = $env:PROCESSOR_ARCHITEW6432
    if (-not $processorArchitecture) {
        $processorArchitecture = $env:PROCESSOR_ARCHITECTURE
    }
    $architecture = switch ($processorArchitecture) {
        'AMD64' { 'x86_64' }
        'ARM64' { 'aarch64' }
        'x86' { 'i686' }
        default { [String]$processorArchitecture }
    }

    $bootTime = $null
    $uptime = $null
    if ($null -ne $os.LastBootUpTime) {
        $script:bootTimeUtc = ([DateTime]$os.LastBootUpTime).ToUniversalTime()
        $bootTime = ConvertTo-IsoUtc -Date $script:bootTimeUtc
        $uptime = [Int64][Math]::Floor(($script:nowUtc - $script:bootTimeUtc).TotalSeconds)
    }

    $identity = $facts.identity
    $identity.hostname = $hostName
    $identity.fqdn = $fqdn
    $identity.distribution = Get-DistributionName -Caption $os.Caption
    $identity.distribution_version = [String]$os.Version
    if ($displayVersion) {
        $identity.distribution_codename = [String]$displayVersion
    }
    $identity.kernel = $kernel
    $identity.architecture = $architecture
    $identity.uptime_seconds = $uptime
    $identity.boot_time = $bootTime
}

Invoke-Probe -Name 'identity.hardware' -ScriptBlock {
    $computerSystem = Get-CimData -ClassName Win32_ComputerSystem | Select-Object -First 1
    $hardware = @{
        vendor = Get-CleanHardwareString -Value $computerSystem.Manufacturer
        model = Get-CleanHardwareString -Value $computerSystem.Model
        serial = $null
        bios_date = $null
    }
    $facts.identity.virtualization = Get-VirtualizationType -Manufacturer $computerSystem.Manufacturer -Model $computerSystem.Model
    $bios = Get-CimData -ClassName Win32_BIOS | Select-Object -First 1
    $hardware.serial = Get-CleanHardwareString -Value $bios.SerialNumber
    if ($null -ne $bios.ReleaseDate) {
        $hardware.bios_date = ([DateTime]$bios.ReleaseDate).ToString('yyyy-MM-dd', [System.Globalization.CultureInfo]::InvariantCulture)
    }
    $facts.identity.hardware = $hardware
}

# ---------------------------------------------------------------------------------------------------------
# lifecycle: published end of support (extended support for Windows Server), see docs/windows.md
# ---------------------------------------------------------------------------------------------------------

# channel: server | consumer (Home, Pro, Pro Education, Pro for Workstations, SE) | enterprise (Enterprise,
# Education, IoT Enterprise) | ltsc | iot_ltsc. First matching row wins.
$script:lifecycleTable = @(
    @{ server = $true; build = 9200; channel = 'server'; product = 'windows-server'; version = '2012'; eol = '2023-10-10' }
    @{ server = $true; build = 9600; channel = 'server'; product = 'windows-server'; version = '2012-R2'; eol = '2023-10-10' }
    @{ server = $true; build = 14393; channel = 'server'; product = 'windows-server'; version = '2016'; eol = '2027-01-12' }
    @{ server = $true; build = 17763; channel = 'server'; product = 'windows-server'; version = '2019'; eol = '2029-01-09' }
    @{ server = $true; build = 20348; channel = 'server'; product = 'windows-server'; version = '2022'; eol = '2031-10-14' }
    @{ server = $true; build = 25398; channel = 'server'; product = 'windows-server'; version = '23H2'; eol = '2025-10-24' }
    @{ server = $true; build = 26100; channel = 'server'; product = 'windows-server'; version = '2025'; eol = '2034-10-10' }
    @{ server = $false; build = 14393; channel = 'ltsc'; product = 'windows-10-ltsc'; version = '2016'; eol = '2026-10-13' }
    @{ server = $false; build = 14393; channel = 'iot_ltsc'; product = 'windows-10-ltsc'; version = '2016'; eol = '2026-10-13' }
    @{ server = $false; build = 17763; channel = 'ltsc'; product = 'windows-10-ltsc'; version = '2019'; eol = '2029-01-09' }
    @{ server = $false; build = 17763; channel = 'iot_ltsc'; product = 'windows-10-ltsc'; version = '2019'; eol = '2029-01-09' }
    @{ server = $false; build = 19044; channel = 'ltsc'; product = 'windows-10-ltsc'; version = '2021'; eol = '2027-01-12' }
    @{ server = $false; build = 19044; channel = 'iot_ltsc'; product = 'windows-10-ltsc'; version = '2021'; eol = '2032-01-13' }
    @{ server = $false; build = 19044; channel = 'consumer'; product = 'windows-10'; version = '21H2'; eol = '2023-06-13' }
    @{ server = $false; build = 19044; channel = 'enterprise'; product = 'windows-10'; version = '21H2'; eol = '2024-06-11' }
    @{ server = $false; build = 19045; channel = 'consumer'; product = 'windows-10'; version = '22H2'; eol = '2025-10-14' }
    @{ server = $false; build = 19045; channel = 'enterprise'; product = 'windows-10'; version = '22H2'; eol = '2025-10-14' }
    @{ server = $false; build = 22621; channel = 'consumer'; product = 'windows-11'; version = '22H2'; eol = '2024-10-08' }
    @{ server = $false; build = 22621; channel = 'enterprise'; product = 'windows-11'; version = '22H2'; eol = '2025-10-14' }
    @{ server = $false; build = 22631; channel = 'consumer'; product = 'windows-11'; version = '23H2'; eol = '2025-11-11' }
    @{ server = $false; build = 22631; channel = 'enterprise'; product = 'windows-11'; version = '23H2'; eol = '2026-11-10' }
    @{ server = $false; build = 26100; channel = 'ltsc'; product = 'windows-11-ltsc'; version = '2024'; eol = '2029-10-09' }
    @{ server = $false; build = 26100; channel = 'iot_ltsc'; product = 'windows-11-ltsc'; version = '2024'; eol = '2034-10-10' }
    @{ server = $false; build = 26100; channel = 'consumer'; product = 'windows-11'; version = '24H2'; eol = '2026-10-13' }
    @{ server = $false; build = 26100; channel = 'enterprise'; product = 'windows-11'; version = '24H2'; eol = '2027-10-12' }
    @{ server = $false; build = 26200; channel = 'consumer'; product = 'windows-11'; version = '25H2'; eol = '2027-10-12' }
    @{ server = $false; build = 26200; channel = 'enterprise'; product = 'windows-11'; version = '25H2'; eol = '2028-10-10' }
)

function Get-ServicingChannel {
    <# Servicing channel from the (language independent) EditionID, falling back to the caption. #>
    param([Boolean]$IsServer, [String]$EditionId, [String]$Caption)
    if ($IsServer) {
        return 'server'
    }
    if ($EditionId) {
        if ($EditionId -match '^IoTEnterpriseS') {
            return 'iot_ltsc'
        }
        if ($EditionId -match '^EnterpriseS') {
            return 'ltsc'
        }
        if ($EditionId -match '^(Enterprise|Education|IoTEnterprise)') {
            return 'enterprise'
        }
        return 'consumer'
    }
    if ($Caption -match 'LTS[BC]') {
        if ($Caption -match 'IoT') {
            return 'iot_ltsc'
        }
        return 'ltsc'
    }
    if ($Caption -match 'Pro Education') {
        return 'consumer'
    }
    if ($Caption -match 'Enterprise|Education') {
        return 'enterprise'
    }
    return 'consumer'
}

Invoke-Probe -Name 'lifecycle' -ScriptBlock {
    if ($null -eq $script:os) {
        throw 'operating system details are unavailable (see the identity error)'
    }
    # ProductType: 1 = workstation, 2 = domain controller, 3 = server. Windows 10/11 Enterprise
    # multi-session (EditionID ServerRdsh) reports 3 but follows the Enterprise client lifecycle.
    $editionId = [String](Get-RegistryValue -Path 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion' -Name 'EditionID')
    $isServer = [int]$script:os.ProductType -ne 1 -and $editionId -ne 'ServerRdsh'
    if ($editionId -eq 'ServerRdsh') {
        $editionId = 'Enterprise'
    }
    $channel = Get-ServicingChannel -IsServer $isServer -EditionId $editionId -Caption ([String]$script:os.Caption)
    $build = [int]$script:os.BuildNumber

    $lifecycle = @{ product = $null; version = $null; eol_date = $null; days_left = $null; source = $null }
    $entry = $script:lifecycleTable | Where-Object {
        $_.server -eq $isServer -and $_.build -eq $build -and $_.channel -eq $channel
    } | Select-Object -First 1
    if ($null -ne $entry) {
        $lifecycle.product = $entry.product
        $lifecycle.version = $entry.version
        $lifecycle.eol_date = $entry.eol
        $lifecycle.source = 'tripod'
        $eol = [DateTime]::ParseExact($entry.eol, 'yyyy-MM-dd', [System.Globalization.CultureInfo]::InvariantCulture)
        $lifecycle.days_left = [int]($eol - $script:nowUtc.Date).TotalDays
    }
    else {
        # Unknown build: say what it is, leave the dates null (reported as not assessed, never as a pass).
        $distribution = $facts.identity.distribution
        if ($distribution) {
            $lifecycle.product = ($distribution.ToLowerInvariant() -replace '\s+', '-')
        }
        $lifecycle.version = [String]$facts.identity.distribution_codename
        if (-not $lifecycle.version) {
            $lifecycle.version = [String]$build
        }
    }
    $facts.lifecycle = $lifecycle
}

# ---------------------------------------------------------------------------------------------------------
# patches: reboot state (the update search itself runs in the background, collected at the end)
# ---------------------------------------------------------------------------------------------------------

$script:rebootRequired = $false
Invoke-Probe -Name 'patches.reboot' -ScriptBlock {
    $reasons = New-Object -TypeName 'System.Collections.Generic.List[String]'
    if (Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending') {
        $reasons.Add('Component Based Servicing: RebootPending')
    }
    if (Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired') {
        $reasons.Add('Windows Update: RebootRequired')
    }
    $sessionManager = 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager'
    foreach ($valueName in @('PendingFileRenameOperations', 'PendingFileRenameOperations2')) {
        $pending = @(Get-RegistryValue -Path $sessionManager -Name $valueName | Where-Object { $_ })
        if ($pending.Count -gt 0) {
            $reasons.Add("Session Manager: $valueName")
        }
    }
    $activeName = Get-RegistryValue -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\ComputerName\ActiveComputerName' -Name 'ComputerName'
    $pendingName = Get-RegistryValue -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName' -Name 'ComputerName'
    if ($activeName -and $pendingName -and $activeName -ne $pendingName) {
        $reasons.Add('Computer rename pending')
    }
    $facts.patches.reboot_reasons = $reasons.ToArray()
    $facts.patches.reboot_required = $reasons.Count -gt 0
    $script:rebootRequired = $reasons.Count -gt 0
}

# ---------------------------------------------------------------------------------------------------------
# security
# ---------------------------------------------------------------------------------------------------------

Invoke-Probe -Name 'security.defender' -ScriptBlock {
    # MSFT_MpComputerStatus is what Get-MpComputerStatus returns; querying it directly gives us a timeout.
    try {
        $status = Get-CimData -Namespace 'root/Microsoft/Windows/Defender' -ClassName MSFT_MpComputerStatus |
            Select-Object -First 1
    }
    catch {
        if (Test-CimNotAvailable -ErrorRecord $_) {
            return  # Defender is not installed: the values stay null (not assessed), which is not a probe failure.
        }
        throw
    }
    if ($null -eq $status) {
        return
    }
    $signatureAge = $null
    if ($null -ne $status.AntivirusSignatureAge) {
        $signatureAge = [Int64]$status.AntivirusSignatureAge
    }
    $facts.security.defender = @{
        realtime_enabled = [bool]$status.RealTimeProtectionEnabled
        signature_age_days = $signatureAge
        antivirus_enabled = [bool]$status.AntivirusEnabled
    }
}

Invoke-Probe -Name 'security.bitlocker' -ScriptBlock {
    $volumes = @{}
    $encryptable = $null
    try {
        $encryptable = @(Get-CimData -Namespace 'root/cimv2/Security/MicrosoftVolumeEncryption' -ClassName Win32_EncryptableVolume)
    }
    catch {
        if (Test-CimNotAvailable -ErrorRecord $_) {
            # BitLocker is not installed (the default on Windows Server): no volume is protected.
            $fixed = @(Get-CimData -ClassName Win32_LogicalDisk -Filter 'DriveType=3')
            foreach ($disk in $fixed) {
                $volumes[[String]$disk.DeviceID] = $false
            }
            $facts.security.bitlocker = $volumes
            return
        }
        if (-not (Get-Command -Name Get-BitLockerVolume -ErrorAction SilentlyContinue)) {
            throw
        }
    }
    if ($null -ne $encryptable) {
        foreach ($volume in $encryptable) {
            # VolumeType 2 = removable data volume; DriveLetter is empty for volumes without a letter.
            if (-not $volume.DriveLetter -or [int]$volume.VolumeType -eq 2) {
                continue
            }
            # ProtectionStatus: 0 = off, 1 = on, 2 = unknown (locked volume).
            $volumes[[String]$volume.DriveLetter] = [int]$volume.ProtectionStatus -eq 1
        }
    }
    else {
        foreach ($volume in @(Get-BitLockerVolume -ErrorAction Stop)) {
            $mount = [String]$volume.MountPoint
            if ($mount -notmatch '^[A-Za-z]:$' -or [String]$volume.VolumeType -eq 'Removable') {
                continue
            }
            $volumes[$mount.ToUpperInvariant()] = [String]$volume.ProtectionStatus -eq 'On'
        }
    }
    $facts.security.bitlocker = $volumes
}

Invoke-Probe -Name 'security.firewall' -ScriptBlock {
    $profiles = @{}
    $profilesRead = $false
    if (Get-Command -Name Get-NetFirewallProfile -ErrorAction SilentlyContinue) {
        try {
            # ActiveStore = the effective settings, Group Policy included.
            foreach ($firewallProfile in @(Get-NetFirewallProfile -PolicyStore ActiveStore -ErrorAction Stop)) {
                $profiles[[String]$firewallProfile.Name] = [String]$firewallProfile.Enabled -eq 'True'
            }
            $profilesRead = $profiles.Count -gt 0
        }
        catch {
            $profiles = @{}  # the registry below has the same answer for local and Group Policy settings
        }
    }
    if (-not $profilesRead) {
        $policyRoot = 'HKLM:\SOFTWARE\Policies\Microsoft\WindowsFirewall'
        $localRoot = 'HKLM:\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy'
        foreach ($pair in @(@('Domain', 'DomainProfile'), @('Private', 'StandardProfile'), @('Public', 'PublicProfile'))) {
            $value = Get-RegistryValue -Path "$policyRoot\$($pair[1])" -Name 'EnableFirewall'
            if ($null -eq $value) {
                $value = Get-RegistryValue -Path "$localRoot\$($pair[1])" -Name 'EnableFirewall'
            }
            $profiles[$pair[0]] = [int]$value -eq 1
        }
    }
    # The profiles only filter traffic while the Windows Defender Firewall service (MpsSvc) runs.
    $serviceRunning = $true
    $mpsSvc = Get-CimData -ClassName Win32_Service -Filter "Name='MpsSvc'" | Select-Object -First 1
    if ($null -ne $mpsSvc -and [String]$mpsSvc.State -ne 'Running') {
        $serviceRunning = $false
    }
    $allOn = $true
    foreach ($name in @('Domain', 'Private', 'Public')) {
        if (-not $profiles.ContainsKey($name)) {
            $profiles[$name] = $false
        }
        if (-not $profiles[$name]) {
            $allOn = $false
        }
    }
    $facts.security.firewall = @{
        active = $allOn -and $serviceRunning
        backend = 'windows'
        profiles = $profiles
    }
}

Invoke-Probe -Name 'security.accounts.local_admins' -ScriptBlock {
    # BUILTIN\Administrators by its well-known SID, so localized group names do not matter.
    $adminsSid = 'S-1-5-32-544'
    $names = New-Object -TypeName 'System.Collections.Generic.List[String]'
    $done = $false
    if (Get-Command -Name Get-LocalGroupMember -ErrorAction SilentlyContinue) {
        try {
            foreach ($member in @(Get-LocalGroupMember -SID $adminsSid -ErrorAction Stop)) {
                $memberName = [String]$member.Name
                if (-not $memberName) {
                    $memberName = [String]$member.SID
                }
                $names.Add($memberName)
            }
            $done = $true
        }
        catch {
            # Known to fail on orphaned SIDs and on domain controllers; ADSI below copes with both.
            $names.Clear()
        }
    }
    if (-not $done) {
        $sid = New-Object -TypeName System.Security.Principal.SecurityIdentifier -ArgumentList $adminsSid
        $groupName = $sid.Translate([System.Security.Principal.NTAccount]).Value.Split('\')[-1]
        $group = New-Object -TypeName System.DirectoryServices.DirectoryEntry -ArgumentList ('WinNT://{0}/{1},group' -f $env:COMPUTERNAME, $groupName)
        try {
            foreach ($member in @($group.Invoke('Members'))) {
                $adsPath = [String]$member.GetType().InvokeMember('ADsPath', [System.Reflection.BindingFlags]::GetProperty, $null, $member, $null)
                # WinNT://DOMAIN/user, WinNT://DOMAIN/HOST/user, or WinNT://S-1-5-21-... for an orphaned SID.
                $parts = @(($adsPath -replace '^WinNT://', '').Split('/') | Where-Object { $_ })
                if ($parts.Count -ge 2) {
                    $names.Add(('{0}\{1}' -f $parts[-2], $parts[-1]))
                }
                elseif ($parts.Count -eq 1) {
                    $names.Add($parts[0])
                }
            }
        }
        finally {
            $group.Dispose()
        }
    }
    # Ordinal order, so the list is the same whatever the host's culture.
    $sorted = [System.Collections.Generic.SortedSet[String]]::new([StringComparer]::OrdinalIgnoreCase)
    foreach ($entryName in $names) {
        $null = $sorted.Add($entryName)
    }
    $facts.security.accounts.local_admins = @($sorted)
}

Invoke-Probe -Name 'security.accounts.guest' -ScriptBlock {
    # The built-in Guest account is the local account whose RID is 501, whatever it has been renamed to.
    $guest = $null
    if (Get-Command -Name Get-LocalUser -ErrorAction SilentlyContinue) {
        try {
            $guest = @(Get-LocalUser -ErrorAction Stop | Where-Object { [String]$_.SID -match '^S-1-5-21-.+-501$' }) |
                Select-Object -First 1
            if ($null -ne $guest) {
                $facts.security.accounts.guest_enabled = [bool]$guest.Enabled
                return
            }
        }
        catch {
            $guest = $null
        }
    }
    $account = Get-CimData -ClassName Win32_UserAccount -Filter "LocalAccount=True AND SID LIKE 'S-1-5-21-%-501'" |
        Select-Object -First 1
    if ($null -ne $account) {
        $facts.security.accounts.guest_enabled = -not [bool]$account.Disabled
    }
    else {
        $facts.security.accounts.guest_enabled = $false
    }
}

Invoke-Probe -Name 'security.auto_updates' -ScriptBlock {
    # AUOptions: 2 = notify before download, 3 = download and notify, 4 = download and install on a schedule,
    # 5 = local administrator chooses, 7 = download, notify to install (Server 2016+).
    # Only 4 installs by itself, so only 4 counts as configured (see docs/windows.md).
    $configured = $false
    $wuauserv = Get-CimData -ClassName Win32_Service -Filter "Name='wuauserv'" | Select-Object -First 1
    if ($null -eq $wuauserv -or [String]$wuauserv.StartMode -eq 'Disabled') {
        $configured = $false
    }
    else {
        $policy = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU'
        $local = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update'
        $noAutoUpdate = Get-RegistryValue -Path $policy -Name 'NoAutoUpdate'
        $policyOption = Get-RegistryValue -Path $policy -Name 'AUOptions'
        $localOption = Get-RegistryValue -Path $local -Name 'AUOptions'
        if ($null -ne $noAutoUpdate -and [int]$noAutoUpdate -eq 1) {
            $configured = $false
        }
        elseif ($null -ne $policyOption -and [int]$policyOption -ne 5) {
            $configured = [int]$policyOption -eq 4
        }
        elseif ($null -ne $localOption) {
            $configured = [int]$localOption -eq 4
        }
        else {
            # No policy and no local choice: Windows 10/11 install automatically by default; Windows Server
            # does not install by itself unless configured to.
            $configured = ($null -ne $script:os -and [int]$script:os.ProductType -eq 1)
        }
    }
    $facts.security.auto_updates = @{ configured = $configured; mechanism = 'windows_update' }
}

# ---------------------------------------------------------------------------------------------------------
# services (the Win32_Service list is also used for the auditd mapping)
# ---------------------------------------------------------------------------------------------------------

Invoke-Probe -Name 'services' -ScriptBlock {
    $all = @(Get-CimData -ClassName Win32_Service)
    $script:services = $all
    $byName = @{}
    foreach ($service in $all) {
        $byName[[String]$service.Name] = $service
    }

    $uptimeSeconds = $facts.identity.uptime_seconds
    $failed = New-Object -TypeName 'System.Collections.Generic.List[String]'
    foreach ($service in $all) {
        if ([String]$service.StartMode -ne 'Auto' -or [String]$service.State -ne 'Stopped') {
            continue
        }
        $key = 'HKLM:\SYSTEM\CurrentControlSet\Services\{0}' -f $service.Name
        $serviceType = Get-RegistryValue -Path $key -Name 'Type'
        # Per-user service templates and instances (0x40 / 0x80, e.g. CDPUserSvc_1a2b3) are not host services.
        if ($null -ne $serviceType -and ([int]$serviceType -band 0xC0) -ne 0) {
            continue
        }
        $exitCode = [int64]$service.ExitCode
        # 0 = stopped cleanly, 1077 = ERROR_SERVICE_NEVER_STARTED (not started since boot).
        $cleanExit = $exitCode -eq 0 -or $exitCode -eq 1077
        $triggerStart = Test-Path -LiteralPath (Join-Path -Path $key -ChildPath 'TriggerInfo')
        if ($triggerStart -and $cleanExit) {
            continue  # trigger-start services stop by design when idle
        }
        $delayed = [int](Get-RegistryValue -Path $key -Name 'DelayedAutostart') -eq 1
        if ($delayed -and ($exitCode -eq 0 -or ($null -ne $uptimeSeconds -and $uptimeSeconds -lt 900))) {
            continue  # delayed services that finished their work, or whose turn has not come yet
        }
        $failed.Add([String]$service.Name)
    }

    $watched = @{}
    foreach ($name in $watchedServices) {
        $service = $byName[[String]$name]
        if ($null -eq $service) {
            $watched[[String]$name] = @{ active = $false; enabled = $false; state = $null; found = $false }
        }
        else {
            # state: the raw Win32_Service state (Running, Stopped, Start Pending, ...).
            $watched[[String]$name] = @{
                active = [String]$service.State -eq 'Running'
                enabled = [String]$service.StartMode -eq 'Auto'
                state = [String]$service.State
                found = $true
            }
        }
    }
    $failed.Sort([StringComparer]::OrdinalIgnoreCase)
    $facts.services = @{ failed = $failed.ToArray(); watched = $watched }
}

Invoke-Probe -Name 'security.auditd' -ScriptBlock {
    # Windows has no auditd; its audit trail is the Security event log, written by the EventLog service.
    $eventLog = $null
    if ($null -ne $script:services) {
        $eventLog = $script:services | Where-Object { $_.Name -eq 'EventLog' } | Select-Object -First 1
    }
    else {
        $eventLog = Get-CimData -ClassName Win32_Service -Filter "Name='EventLog'" | Select-Object -First 1
    }
    $facts.security.auditd = @{
        installed = $null -ne $eventLog
        running = $null -ne $eventLog -and [String]$eventLog.State -eq 'Running'
    }
}

# ---------------------------------------------------------------------------------------------------------
# capacity
# ---------------------------------------------------------------------------------------------------------

Invoke-Probe -Name 'capacity.filesystems' -ScriptBlock {
    $volumeIds = @{}
    try {
        foreach ($volume in @(Get-CimData -ClassName Win32_Volume -Filter 'DriveType=3')) {
            if ($volume.DriveLetter) {
                $volumeIds[[String]$volume.DriveLetter] = [String]$volume.DeviceID
            }
        }
    }
    catch {
        $volumeIds = @{}  # the device column is a nicety; fall back to the drive letter
    }
    $filesystems = New-Object -TypeName 'System.Collections.Generic.List[Object]'
    foreach ($disk in @(Get-CimData -ClassName Win32_LogicalDisk -Filter 'DriveType=3')) {
        $mount = [String]$disk.DeviceID
        $device = $volumeIds[$mount]
        if (-not $device) {
            $device = $mount
        }
        $size = $null
        $free = $null
        $used = $null
        $usedPercent = $null
        if ($null -ne $disk.Size -and $null -ne $disk.FreeSpace) {
            $size = [Int64]$disk.Size
            $free = [Int64]$disk.FreeSpace
            $used = $size - $free
            $usedPercent = Get-Percent -Part $used -Whole $size
        }
        $filesystems.Add(@{
                mount = $mount
                device = $device
                fstype = [String]$disk.FileSystem
                size_bytes = $size
                used_bytes = $used
                free_bytes = $free
                used_percent = $usedPercent
                inodes_total = $null
                inodes_used = $null
                inodes_percent = $null
            })
    }
    $facts.capacity.filesystems = $filesystems.ToArray()
}

Invoke-Probe -Name 'capacity.memory' -ScriptBlock {
    $os = $script:os
    if ($null -eq $os) {
        $os = Get-CimData -ClassName Win32_OperatingSystem | Select-Object -First 1
    }
    # Both values are in KiB. FreePhysicalMemory is the "available" memory (free + standby lists).
    $total = [Int64]$os.TotalVisibleMemorySize * 1024
    $available = [Int64]$os.FreePhysicalMemory * 1024
    $facts.capacity.memory = @{
        total_bytes = $total
        available_bytes = $available
        used_percent = Get-Percent -Part ($total - $available) -Whole $total
    }
}

Invoke-Probe -Name 'capacity.swap' -ScriptBlock {
    # Page files; sizes in MiB. No page file = 0 bytes of swap.
    $total = [Int64]0
    $used = [Int64]0
    foreach ($pageFile in @(Get-CimData -ClassName Win32_PageFileUsage)) {
        $total += [Int64]$pageFile.AllocatedBaseSize * 1MB
        $used += [Int64]$pageFile.CurrentUsage * 1MB
    }
    $facts.capacity.swap = @{
        total_bytes = $total
        free_bytes = $total - $used
        used_percent = Get-Percent -Part $used -Whole $total
    }
}

Invoke-Probe -Name 'capacity.load' -ScriptBlock {
    $cores = 0
    $loadSum = 0.0
    $loadCount = 0
    foreach ($processor in @(Get-CimData -ClassName Win32_Processor)) {
        $cores += [int]$processor.NumberOfLogicalProcessors
        if ($null -ne $processor.LoadPercentage) {
            $loadSum += [double]$processor.LoadPercentage
            $loadCount += 1
        }
    }
    $load = @{ load1 = $null; load5 = $null; load15 = $null; cores = $null; per_core15 = $null }
    if ($cores -gt 0) {
        $load.cores = $cores
    }
    $facts.capacity.load = $load
    # Windows keeps no load average. load1 is an instantaneous approximation: runnable threads waiting
    # (processor queue length) plus busy logical processors. load5, load15 and per_core15 stay null.
    # Performance counters can be broken on a host; that loses load1 only, not the core count.
    $system = Get-CimData -ClassName Win32_PerfFormattedData_PerfOS_System | Select-Object -First 1
    if ($null -ne $system -and $cores -gt 0 -and $loadCount -gt 0) {
        $busy = ($loadSum / $loadCount) / 100.0 * $cores
        $load.load1 = [Math]::Round([double]$system.ProcessorQueueLength + $busy, 2)
    }
}

# ---------------------------------------------------------------------------------------------------------
# time
# ---------------------------------------------------------------------------------------------------------

function Get-W32TimeStatus {
    <#
    Parses `w32tm /query /status`. The labels are localized, but the line order is fixed, so when the English
    labels are missing the values are taken by position:
    0 Leap Indicator, 1 Stratum, 2 Precision, 3 Root Delay, 4 Root Dispersion, 5 ReferenceId,
    6 Last Successful Sync Time, 7 Source, 8 Poll Interval.
    #>
    param([String]$Output)
    $pairs = @{}
    $values = New-Object -TypeName 'System.Collections.Generic.List[String]'
    foreach ($line in ($Output -split "`r?`n")) {
        if ($line -match '^\s*([^:]+?)\s*:\s*(.*?)\s*$') {
            $pairs[$Matches[1]] = $Matches[2]
            $values.Add($Matches[2])
        }
    }
    $get = {
        param($Label, $Index)
        if ($pairs.ContainsKey($Label)) {
            return $pairs[$Label]
        }
        if ($values.Count -gt $Index) {
            return $values[$Index]
        }
        return $null
    }
    return @{
        leap = & $get 'Leap Indicator' 0
        stratum = & $get 'Stratum' 1
        reference = & $get 'ReferenceId' 5
        last_sync = & $get 'Last Successful Sync Time' 6
        source = & $get 'Source' 7
    }
}

Invoke-Probe -Name 'time' -ScriptBlock {
    $time = @{ synchronized = $null; source = $null; service = 'w32time' }
    $w32time = Get-CimData -ClassName Win32_Service -Filter "Name='W32Time'" | Select-Object -First 1
    $configured = [String](Get-RegistryValue -Path 'HKLM:\SYSTEM\CurrentControlSet\Services\W32Time\Parameters' -Name 'NtpServer')
    $configuredSource = $null
    if ($configured) {
        $configuredSource = ($configured.Trim() -split '\s+')[0] -replace ',0x[0-9a-fA-F]+$', ''
    }
    if ($null -eq $w32time -or [String]$w32time.State -ne 'Running') {
        $time.synchronized = $false
        $time.source = $configuredSource
        $facts.time = $time
        return
    }

    $w32tm = Join-Path -Path $env:SystemRoot -ChildPath 'System32\w32tm.exe'
    $result = Invoke-NativeCommand -FilePath $w32tm -Arguments '/query /status' -TimeoutSeconds $script:probeTimeout
    if ($result.rc -ne 0) {
        throw ('w32tm /query /status exited with {0}: {1}' -f $result.rc, (([String]$result.stdout + [String]$result.stderr).Trim() -replace '\s+', ' '))
    }
    $status = Get-W32TimeStatus -Output $result.stdout

    $leap = $null
    if ([String]$status.leap -match '^\s*(\d+)') {
        $leap = [int]$Matches[1]
    }
    $stratum = $null
    if ([String]$status.stratum -match '^\s*(\d+)') {
        $stratum = [int]$Matches[1]
    }
    $source = ([String]$status.source).Trim() -replace ',0x[0-9a-fA-F]+$', ''
    $localClock = ([String]$status.reference -match 'LOCL') -or
        ($source -match '^(Local CMOS Clock|Free-running System Clock)$')

    $recent = $true
    if ($null -ne $status.last_sync) {
        $parsed = [DateTime]::MinValue
        $styles = [System.Globalization.DateTimeStyles]::AssumeLocal
        if ([DateTime]::TryParse([String]$status.last_sync, [System.Globalization.CultureInfo]::CurrentCulture, $styles, [ref]$parsed)) {
            # Stand-alone hosts poll as rarely as once a week (SpecialPollInterval 604800 s): allow 8 days.
            $recent = ($script:nowUtc - $parsed.ToUniversalTime()).TotalDays -le 8
        }
        elseif ([String]$status.last_sync -match 'unspecified') {
            $recent = $false
        }
    }

    $time.synchronized = ($null -ne $leap -and $leap -ne 3 -and $null -ne $stratum -and $stratum -ge 1 -and
        $stratum -le 15 -and -not $localClock -and $recent)
    if ($source -and -not $localClock) {
        $time.source = $source
    }
    elseif ($configuredSource) {
        $time.source = $configuredSource
    }
    $facts.time = $time
}

# ---------------------------------------------------------------------------------------------------------
# certificates and backup markers
# ---------------------------------------------------------------------------------------------------------

function ConvertTo-CertificateEntry {
    param(
        [Parameter(Mandatory = $true)][String]$Path,
        [Parameter(Mandatory = $true)][System.Security.Cryptography.X509Certificates.X509Certificate2]$Certificate
    )
    $notAfter = $Certificate.NotAfter.ToUniversalTime()
    return @{
        path = $Path
        subject = [String]$Certificate.Subject
        not_after = ConvertTo-IsoUtc -Date $notAfter
        days_left = [int][Math]::Floor(($notAfter - $script:nowUtc).TotalDays)
    }
}

$script:certificateEntries = New-Object -TypeName 'System.Collections.Generic.List[Object]'
foreach ($certificatePath in $certificatePaths) {
    Invoke-Probe -Name 'certificates' -ScriptBlock {
        $path = [String]$certificatePath
        if (-not (Test-Path -LiteralPath $path)) {
            throw "${path}: not found"
        }
        if ($path -match '^(?i)cert:') {
            $item = Get-Item -LiteralPath $path -ErrorAction Stop
            if ($item -is [System.Security.Cryptography.X509Certificates.X509Certificate2]) {
                $script:certificateEntries.Add((ConvertTo-CertificateEntry -Path $path -Certificate $item))
            }
            else {
                $storePath = $path.TrimEnd('\')
                foreach ($child in @(Get-ChildItem -LiteralPath $path -ErrorAction Stop)) {
                    if ($child -is [System.Security.Cryptography.X509Certificates.X509Certificate2]) {
                        $entryPath = '{0}\{1}' -f $storePath, $child.Thumbprint
                        $script:certificateEntries.Add((ConvertTo-CertificateEntry -Path $entryPath -Certificate $child))
                    }
                }
            }
            return
        }
        # Certificate files: a file, or the .cer/.crt/.pem/.der files directly inside a directory.
        $files = @()
        $item = Get-Item -LiteralPath $path -Force -ErrorAction Stop
        if ($item.PSIsContainer) {
            $files = @(Get-ChildItem -LiteralPath $path -File -Force -ErrorAction Stop |
                    Where-Object { $_.Extension -in @('.cer', '.crt', '.pem', '.der') })
        }
        else {
            $files = @($item)
        }
        foreach ($file in $files) {
            try {
                $certificate = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Certificate2 -ArgumentList $file.FullName
                try {
                    $script:certificateEntries.Add((ConvertTo-CertificateEntry -Path $file.FullName -Certificate $certificate))
                }
                finally {
                    $certificate.Dispose()
                }
            }
            catch {
                Add-ProbeError -Probe 'certificates' -Message ('{0}: {1}' -f $file.FullName, (Format-ProbeError -ErrorRecord $_))
            }
        }
    }
}
$facts.certificates = $script:certificateEntries.ToArray()

$script:backupEntries = New-Object -TypeName 'System.Collections.Generic.List[Object]'
foreach ($marker in $backupMarkers) {
    Invoke-Probe -Name 'backups' -ScriptBlock {
        $path = [String]$marker
        $entry = @{ path = $path; exists = $false; modified = $null; age_hours = $null }
        if (Test-Path -LiteralPath $path) {
            $item = Get-Item -LiteralPath $path -Force -ErrorAction Stop
            $modified = $item.LastWriteTimeUtc
            $entry.exists = $true
            $entry.modified = ConvertTo-IsoUtc -Date $modified
            $entry.age_hours = [Math]::Round(($script:nowUtc - $modified).TotalHours, 2)
        }
        $script:backupEntries.Add($entry)
    }
}
$facts.backups = $script:backupEntries.ToArray()

# ---------------------------------------------------------------------------------------------------------
# Collect the Windows Update search (started at the beginning, ran while the other probes did)
# ---------------------------------------------------------------------------------------------------------

$searchFinished = $false
if ($null -ne $wuPowerShell) {
    $remainingMs = [int][Math]::Max(0, ($wuDeadline - [DateTime]::UtcNow).TotalMilliseconds)
    $searchFinished = $wuAsync.AsyncWaitHandle.WaitOne($remainingMs)
    # Time from the start of the module until the search returned (or gave up); it ran in the background.
    Add-ProbeTime -Probe 'patches.pending' -Seconds ([DateTime]::UtcNow - $script:nowUtc).TotalSeconds
    if ($searchFinished) {
        try {
            $null = $wuPowerShell.EndInvoke($wuAsync)
        }
        catch {
            $wuState.search_error = Format-ProbeError -ErrorRecord $_
        }
        foreach ($streamError in $wuPowerShell.Streams.Error) {
            if (-not $wuState.search_error) {
                $wuState.search_error = Format-ProbeError -ErrorRecord $streamError
            }
        }
        $wuPowerShell.Dispose()
    }
    else {
        # Best effort: Stop() could block on the hung COM call, so ask asynchronously and move on. The search
        # thread dies with this process; the Windows Update service itself is not affected.
        $null = $wuPowerShell.BeginStop($null, $null)
        if ($null -eq $wuState.installed_dates -and -not $wuState.history_error) {
            $wuState.history_error = 'Windows Update history query did not finish within {0} s (update_search_timeout)' -f $updateSearchTimeout
        }
        if ($searchUpdates) {
            Add-ProbeError -Probe 'patches.pending' -Message (
                'Windows Update search did not finish within {0} s (update_search_timeout)' -f $updateSearchTimeout)
        }
    }
}
if (-not $searchUpdates) {
    # Recorded so that an empty pending list is never read as "fully patched".
    Add-ProbeError -Probe 'patches.pending' -Message 'skipped: search_updates is false'
}

Invoke-Probe -Name 'patches.last_upgrade' -ScriptBlock {
    $dates = @()
    if ($null -ne $wuState.installed_dates) {
        $dates = @($wuState.installed_dates)
    }
    if ($wuState.history_error) {
        Add-ProbeError -Probe 'patches.last_upgrade' -Message ([String]$wuState.history_error)
    }
    if ($dates.Count -eq 0) {
        # No Windows Update history (updates applied offline or history cleared): fall back to the hotfix
        # list, which only records a date (taken as midnight UTC).
        $hotfixDates = New-Object -TypeName 'System.Collections.Generic.List[DateTime]'
        foreach ($hotfix in @(Get-CimData -ClassName Win32_QuickFixEngineering)) {
            $text = [String]$hotfix.InstalledOn
            $parsed = [DateTime]::MinValue
            $invariant = [System.Globalization.CultureInfo]::InvariantCulture
            $styles = [System.Globalization.DateTimeStyles]::AssumeUniversal -bor [System.Globalization.DateTimeStyles]::AdjustToUniversal
            if ([DateTime]::TryParseExact($text, 'M/d/yyyy', $invariant, $styles, [ref]$parsed)) {
                $hotfixDates.Add($parsed)
            }
        }
        $dates = $hotfixDates.ToArray()
    }
    if ($dates.Count -gt 0) {
        $sorted = @($dates | Sort-Object)
        $facts.patches.last_upgrade = ConvertTo-IsoUtc -Date $sorted[-1] -AssumeUtc
        # A reboot pends since the first successful installation after the last boot (an approximation:
        # Windows does not record when the reboot requirement started).
        if ($script:rebootRequired -and $null -ne $script:bootTimeUtc) {
            $afterBoot = @($sorted | Where-Object { $_ -gt $script:bootTimeUtc })
            if ($afterBoot.Count -gt 0) {
                $facts.patches.reboot_required_since = ConvertTo-IsoUtc -Date $afterBoot[0] -AssumeUtc
            }
        }
    }
}

if ($searchUpdates -and $searchFinished) {
    if ($wuState.search_error) {
        Add-ProbeError -Probe 'patches.pending' -Message ([String]$wuState.search_error)
    }
    elseif ($null -ne $wuState.updates) {
        $pending = @($wuState.updates)
        $securityCount = @($pending | Where-Object { $_.security }).Count
        $facts.patches.pending = $pending
        $facts.patches.security_count = $securityCount
        $facts.patches.other_count = $pending.Count - $securityCount
    }
    else {
        Add-ProbeError -Probe 'patches.pending' -Message 'Windows Update search returned no result'
    }
}

Invoke-Probe -Name 'patches.lists' -ScriptBlock {
    # How old Windows Update's view of the available updates is: its last successful search (this
    # module's own, when it searched, or the last automatic one). Never searched: age unknown, so
    # the controller leaves pending updates not assessed.
    $entry = @{ name = 'Windows Update'; uri = $null; suite = $null; path = $null; updated = $null; age_hours = $null }
    $autoUpdate = New-Object -ComObject 'Microsoft.Update.AutoUpdate'
    $last = $autoUpdate.Results.LastSearchSuccessDate
    if ($null -ne $last -and ([DateTime]$last).Year -gt 1601) {
        $lastUtc = [DateTime]::SpecifyKind([DateTime]$last, [DateTimeKind]::Utc)
        $entry.updated = ConvertTo-IsoUtc -Date $lastUtc
        $entry.age_hours = [Math]::Round([Math]::Max(0, ([DateTime]::UtcNow - $lastUtc).TotalHours), 1)
    }
    $facts.patches.lists = @($entry)
}

$stopwatch.Stop()
$facts.duration_seconds = [Math]::Round($stopwatch.Elapsed.TotalSeconds, 3)
$facts.errors = $script:errors.ToArray()

$module.Result.ansible_facts = @{ tripod_compliance = $facts }
$module.ExitJson()
