#!powershell

# Copyright: (c) 2026, Tripod maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic

# Reads what Tripod's Windows hardening controls need, in one round trip, and returns it as
# ansible_facts.tripod_hardening_windows: registry values, the account policy (secedit), the audit
# policy (auditpol, language-independent by GUID and numeric setting), the SMB server configuration
# and service start modes. Read-only. Each part is wrapped: a failure becomes an entry in `errors` and
# leaves the part empty. Windows PowerShell 5.1 compatible.
#
# NOT EXECUTED: Tripod's test environment has no Windows host. This module is linted and its result
# shape is tested with recorded samples on the controller side (tests/data/hardening/windows/*.json).

$spec = @{
    options = @{
        registry = @{
            type = 'list'
            elements = 'dict'
            default = @()
            options = @{
                path = @{ type = 'str'; required = $true }
                name = @{ type = 'str'; required = $true }
            }
        }
        audit_subcategories = @{ type = 'dict'; default = @{} }
        services = @{ type = 'list'; elements = 'str'; default = @() }
    }
    supports_check_mode = $true
}

$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
$errors = New-Object -TypeName 'System.Collections.Generic.List[Object]'

function Add-ProbeError {
    param([string]$Probe, [System.Management.Automation.ErrorRecord]$ErrorRecord)
    $message = [String]$ErrorRecord.Exception.Message
    if ($message.Length -gt 300) { $message = $message.Substring(0, 300) }
    $errors.Add(@{ probe = "hardening_windows.$Probe"; message = $message })
}

function Get-RegistryValue {
    <# The value of NAME under PATH (HKLM:\...), or $null when the key or the value is absent. #>
    param([string]$Path, [string]$Name)
    if (-not (Test-Path -LiteralPath $Path)) { return $null }
    $item = Get-ItemProperty -LiteralPath $Path -Name $Name -ErrorAction SilentlyContinue
    if ($null -eq $item) { return $null }
    $value = $item.$Name
    if ($value -is [byte[]]) { return [Convert]::ToBase64String($value) }
    if ($value -is [string[]]) { return ($value -join "`n") }
    return $value
}

$registry = @{}
try {
    foreach ($read in $module.Params.registry) {
        $registry["$($read.path)\$($read.name)"] = Get-RegistryValue -Path $read.path -Name $read.name
    }
}
catch { Add-ProbeError -Probe 'registry' -ErrorRecord $_ }

# Account policy: [System Access] of `secedit /export` (numbers as integers).
$accountPolicy = @{}
$exportFile = Join-Path -Path $env:TEMP -ChildPath ("tripod-secedit-{0}.inf" -f [Guid]::NewGuid())
try {
    $null = & secedit.exe /export /cfg $exportFile /areas SECURITYPOLICY /quiet
    if (Test-Path -LiteralPath $exportFile) {
        $inSection = $false
        foreach ($line in (Get-Content -LiteralPath $exportFile -Encoding Unicode)) {
            if ($line -match '^\s*\[(.+)\]\s*$') { $inSection = ($Matches[1] -eq 'System Access'); continue }
            if ($inSection -and $line -match '^\s*([A-Za-z]+)\s*=\s*(-?\d+)\s*$') {
                $accountPolicy[$Matches[1]] = [int]$Matches[2]
            }
        }
    }
}
catch { Add-ProbeError -Probe 'account_policy' -ErrorRecord $_ }
finally { Remove-Item -LiteralPath $exportFile -Force -ErrorAction SilentlyContinue }

# Audit policy: `auditpol /backup` gives each subcategory GUID with a numeric setting, whatever the
# display language (0 none, 1 success, 2 failure, 3 both). Keyed by the names the caller gives per GUID.
$auditPolicy = @{}
$settingNames = @{ 0 = 'No Auditing'; 1 = 'Success'; 2 = 'Failure'; 3 = 'Success and Failure' }
$backupFile = Join-Path -Path $env:TEMP -ChildPath ("tripod-auditpol-{0}.csv" -f [Guid]::NewGuid())
try {
    $wanted = $module.Params.audit_subcategories
    if ($wanted.Count -gt 0) {
        $null = & auditpol.exe /backup /file:$backupFile
        foreach ($row in (Import-Csv -LiteralPath $backupFile)) {
            $guid = ([String]$row.'Subcategory GUID').Trim('{}').ToUpperInvariant()
            foreach ($name in $wanted.Keys) {
                if (([String]$wanted[$name]).Trim('{}').ToUpperInvariant() -eq $guid) {
                    $value = 0
                    if ([int]::TryParse([String]$row.'Setting Value', [ref]$value)) {
                        $auditPolicy[$name] = $settingNames[$value]
                    }
                }
            }
        }
        foreach ($name in $wanted.Keys) {
            if (-not $auditPolicy.ContainsKey($name)) { $auditPolicy[$name] = 'No Auditing' }
        }
    }
}
catch { Add-ProbeError -Probe 'audit_policy' -ErrorRecord $_ }
finally { Remove-Item -LiteralPath $backupFile -Force -ErrorAction SilentlyContinue }

$smb = @{ server_smb1 = $null; server_signing_required = $null }
try {
    $config = Get-SmbServerConfiguration -ErrorAction Stop
    $smb.server_smb1 = [bool]$config.EnableSMB1Protocol
    $smb.server_signing_required = [bool]$config.RequireSecuritySignature
}
catch { Add-ProbeError -Probe 'smb' -ErrorRecord $_ }

$services = @{}
try {
    foreach ($name in $module.Params.services) {
        $service = Get-CimInstance -ClassName Win32_Service -Filter ("Name='{0}'" -f ($name -replace "'", "''")) -ErrorAction Stop
        if ($null -ne $service) {
            $services[$name] = @{ start_mode = [String]$service.StartMode; state = [String]$service.State }
        }
    }
}
catch { Add-ProbeError -Probe 'services' -ErrorRecord $_ }

$module.Result.changed = $false
$module.Result.ansible_facts = @{
    tripod_hardening_windows = @{
        registry = $registry
        account_policy = $accountPolicy
        audit_policy = $auditPolicy
        smb = $smb
        services = $services
        system_drive = [String]$env:SystemDrive
        errors = $errors.ToArray()
    }
}
$module.ExitJson()
