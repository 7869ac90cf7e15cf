#Requires -Version 5.1
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Tripod housekeeping on Windows, run by ansible.windows.win_powershell, one step per call:
#   -Step CleanFiles -Paths @(@{path='C:\Windows\Temp'; max_age_days=14; patterns=@('*')})
#   -Step ComponentCleanup
#   -Step RecycleBin
# Results go to $Ansible.Result in the shape the role's housekeeping_actions filter reads.
# In check mode (and with -WhatIf or -ReportOnly) every change is skipped; the result then says
# what would be deleted.
#
# NOT EXECUTED: no Windows host was available where this was written; it is held to review and
# to the role's lint only (see roles/housekeeping/README.md).

[CmdletBinding(SupportsShouldProcess)]
param (
    [Parameter(Mandatory = $true)]
    [ValidateSet('CleanFiles', 'ComponentCleanup', 'RecycleBin')]
    [string]$Step,

    [object[]]$Paths = @(),

    # Change nothing and report what would be reclaimed, as in check mode (-WhatIf).
    [switch]$ReportOnly
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 2.0

$ReparsePoint = [System.IO.FileAttributes]::ReparsePoint
$ErrorLimit = 20

function Add-Problem {
    param ($Result, [string]$Message)
    $Result.error_count++
    if ($Result.errors.Count -lt $ErrorLimit) { $Result.errors.Add($Message) }
}

function Get-TreeFile {
    # The files under $Root. Junctions and symbolic links (reparse points) are neither entered
    # nor returned, so the walk never leaves $Root. Unreadable directories are reported.
    param ([System.IO.DirectoryInfo]$Root, $Result)
    $pending = [System.Collections.Generic.Stack[System.IO.DirectoryInfo]]::new()
    $pending.Push($Root)
    while ($pending.Count -gt 0) {
        $directory = $pending.Pop()
        try {
            foreach ($entry in $directory.EnumerateFileSystemInfos()) {
                if ($entry.Attributes -band $ReparsePoint) { continue }
                if ($entry -is [System.IO.DirectoryInfo]) { $pending.Push($entry) } else { $entry }
            }
        }
        catch {
            Add-Problem -Result $Result -Message "$($directory.FullName): $($_.Exception.Message)"
        }
    }
}

function Get-EntryValue {
    # $Entry[$Key] of a dictionary (however the parameters were deserialised), else $Default.
    param ($Entry, [string]$Key, $Default = $null)
    if ($Entry -is [System.Collections.IDictionary]) {
        foreach ($name in $Entry.Keys) { if ($name -eq $Key) { return $Entry[$name] } }
        return $Default
    }
    $property = $Entry.PSObject.Properties[$Key]
    if ($null -ne $property) { return $property.Value }
    return $Default
}

function Test-UnderReparsePoint {
    # True when $Item or one of its parents is a junction or symbolic link.
    param ([System.IO.FileSystemInfo]$Item)
    $current = $Item
    while ($null -ne $current) {
        if ($current.Attributes -band $ReparsePoint) { return $true }
        $current = if ($current -is [System.IO.DirectoryInfo]) { $current.Parent } else { $current.Directory }
    }
    return $false
}

function Invoke-CleanFiles {
    $results = foreach ($entry in $Paths) {
        $result = [ordered]@{
            path = [string](Get-EntryValue -Entry $entry -Key 'path')
            label = 'old files'
            max_age_days = [int](Get-EntryValue -Entry $entry -Key 'max_age_days')
            files = 0
            bytes = [long]0
            skipped = $null
            error_count = 0
            errors = [System.Collections.Generic.List[string]]::new()
        }
        $patterns = @(Get-EntryValue -Entry $entry -Key 'patterns' -Default @('*') | Where-Object { $_ })
        if ($patterns.Count -eq 0) { $patterns = @('*') }
        $item = Get-Item -LiteralPath $result.path -Force -ErrorAction SilentlyContinue
        if ($null -eq $item) {
            $result.skipped = 'does not exist'
        }
        elseif (-not ($item -is [System.IO.DirectoryInfo])) {
            $result.skipped = 'is not a directory'
        }
        elseif (Test-UnderReparsePoint -Item $item) {
            $result.skipped = 'is a junction or symbolic link, or lies under one; not followed'
        }
        else {
            $cutoff = [DateTime]::UtcNow.AddDays(-$result.max_age_days)
            foreach ($file in Get-TreeFile -Root $item -Result $result) {
                if ($file.LastWriteTimeUtc -ge $cutoff) { continue }
                if (-not ($patterns | Where-Object { $file.Name -like $_ })) { continue }
                if (-not $ReportOnly -and $PSCmdlet.ShouldProcess($file.FullName, 'Delete')) {
                    try { $file.Delete() }
                    catch {
                        # in use, read-only, access denied: counted, reported, kept
                        Add-Problem -Result $result -Message "$($file.FullName): $($_.Exception.Message)"
                        continue
                    }
                }
                $result.files++
                $result.bytes += $file.Length
            }
        }
        $result.errors = @($result.errors)
        $result
    }
    $results = @($results)
    $deleted = 0
    foreach ($result in $results) { $deleted += $result.files }
    $Ansible.Result = @{ paths = $results }
    $Ansible.Changed = ($deleted -gt 0) -and -not $ReportOnly
}

function Get-SystemDriveFreeBytes {
    $disk = Get-CimInstance -ClassName Win32_LogicalDisk -Filter "DeviceID='$($env:SystemDrive)'"
    return [long]$disk.FreeSpace
}

function Invoke-Dism {
    param ([string[]]$Arguments)
    $output = & "$env:SystemRoot\System32\Dism.exe" /Online /Cleanup-Image @Arguments /English
    if ($LASTEXITCODE -ne 0) {
        throw "DISM $($Arguments -join ' ') exited $LASTEXITCODE`: $(($output | Select-Object -Last 5) -join ' ')"
    }
    return $output
}

function Invoke-ComponentCleanup {
    # DISM's own analysis decides; its sizes are rounded, so the bytes are measured as the
    # system drive's free space before and after (null in check mode: not measurable).
    $analysis = Invoke-Dism -Arguments @('/AnalyzeComponentStore')
    $recommended = [bool]($analysis | Select-String -Pattern 'Component Store Cleanup Recommended\s*:\s*Yes' -Quiet)
    $packages = $analysis | Select-String -Pattern 'Number of Reclaimable Packages\s*:\s*(\d+)' |
        ForEach-Object { [int]$_.Matches[0].Groups[1].Value } | Select-Object -First 1
    $bytes = $null
    if ($recommended -and -not $ReportOnly -and $PSCmdlet.ShouldProcess('Windows component store', 'StartComponentCleanup')) {
        $before = Get-SystemDriveFreeBytes
        $null = Invoke-Dism -Arguments @('/StartComponentCleanup')
        $bytes = [Math]::Max([long]0, (Get-SystemDriveFreeBytes) - $before)
    }
    $Ansible.Result = @{ acted = $recommended; bytes = $bytes; detail = "$packages reclaimable package(s)" }
    $Ansible.Changed = $recommended -and -not $ReportOnly
}

function Remove-Tree {
    # Delete $Item; a directory's content first. A reparse point is deleted as a link, never
    # followed (Remove-Item -Recurse on Windows PowerShell 5.1 can follow junctions).
    [CmdletBinding(SupportsShouldProcess)]
    param ([System.IO.FileSystemInfo]$Item)
    if (-not $PSCmdlet.ShouldProcess($Item.FullName, 'Delete')) { return }
    if (($Item -is [System.IO.DirectoryInfo]) -and -not ($Item.Attributes -band $ReparsePoint)) {
        foreach ($child in $Item.EnumerateFileSystemInfos()) { Remove-Tree -Item $child }
    }
    $Item.Attributes = $Item.Attributes -band (-bnot [System.IO.FileAttributes]::ReadOnly)
    $Item.Delete()
}

function Invoke-RecycleBin {
    # Every user's bin: <drive>\$Recycle.Bin\<SID>\$I* (metadata) and $R* (the deleted items).
    $result = [ordered]@{ acted = $false; bytes = [long]0; items = 0; error_count = 0
        errors = [System.Collections.Generic.List[string]]::new() }
    $drives = Get-CimInstance -ClassName Win32_LogicalDisk -Filter 'DriveType=3'
    foreach ($drive in $drives) {
        $bin = Get-Item -LiteralPath "$($drive.DeviceID)\`$Recycle.Bin" -Force -ErrorAction SilentlyContinue
        if ($null -eq $bin -or ($bin.Attributes -band $ReparsePoint)) { continue }
        foreach ($userBin in $bin.EnumerateDirectories()) {
            if ($userBin.Attributes -band $ReparsePoint) { continue }
            foreach ($entry in $userBin.EnumerateFileSystemInfos()) {
                if (-not ($entry.Name -like '$R*' -or $entry.Name -like '$I*')) { continue }
                $size = if ($entry -is [System.IO.DirectoryInfo]) {
                    [long](Get-TreeFile -Root $entry -Result $result | Measure-Object -Property Length -Sum).Sum
                } else { [long]$entry.Length }
                if (-not $ReportOnly -and $PSCmdlet.ShouldProcess($entry.FullName, 'Delete')) {
                    try { Remove-Tree -Item $entry }
                    catch {
                        Add-Problem -Result $result -Message "$($entry.FullName): $($_.Exception.Message)"
                        continue
                    }
                }
                $result.items++
                $result.bytes += $size
            }
        }
    }
    $result.acted = $result.items -gt 0
    $result.detail = "$($result.items) item(s)"
    $result.errors = @($result.errors)
    $Ansible.Result = $result
    $Ansible.Changed = $result.acted -and -not $ReportOnly
}

switch ($Step) {
    'CleanFiles' { Invoke-CleanFiles }
    'ComponentCleanup' { Invoke-ComponentCleanup }
    'RecycleBin' { Invoke-RecycleBin }
}
