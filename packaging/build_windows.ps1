# Build the Windows bundle (PyInstaller onedir), smoke-test it, and compile the installer.
#
#   pwsh packaging/build_windows.ps1   # -> build\dist\agency-desktop\, build\agency-desktop-<version>-setup.exe
#
# On a fresh machine it first makes the project's .venv with Python 3.12 (`py -3.12`, or the
# interpreter named by $env:PYTHON). Set BUILD_PYTHON to an interpreter that already has the
# project and PyInstaller installed to skip that. Needs Inno Setup 6 (choco install innosetup).
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Set-Location (Split-Path -Parent $PSScriptRoot)
$Root = (Get-Location).Path
$Name = 'agency-desktop'
$Build = Join-Path $Root 'build'

# $ErrorActionPreference does not cover native programs: each exit code is checked by hand.
function Assert-ExitCode([string]$What) {
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE)" }
}

if ($env:BUILD_PYTHON) {
    $Python = $env:BUILD_PYTHON
} else {
    # Python 3.12: PySide6 6.12 on 3.11 has a refcount bug that aborts the app (see Makefile).
    $Python = Join-Path $Root '.venv\Scripts\python.exe'
    $Remake = -not (Test-Path $Python)
    if (-not $Remake) {
        & $Python -c 'import sys; sys.exit(sys.version_info < (3, 12))'
        $Remake = $LASTEXITCODE -ne 0
    }
    if ($Remake) {
        if (Test-Path .venv) { Remove-Item -Recurse -Force .venv }
        if ($env:PYTHON) { & $env:PYTHON -m venv .venv } else { py -3.12 -m venv .venv }
        Assert-ExitCode 'creating .venv'
    }
    & $Python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
    Assert-ExitCode 'pip install'
}

$Version = & $Python -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])"
Assert-ExitCode 'reading the version from pyproject.toml'

Write-Host '== icons'
& $Python packaging/make_icons.py (Join-Path $Build 'icons')
Assert-ExitCode 'make_icons.py'

Write-Host '== bundle (PyInstaller)'
& $Python -m PyInstaller --noconfirm --clean --log-level WARN `
    --distpath (Join-Path $Build 'dist') --workpath (Join-Path $Build 'work') packaging/agency_desktop.spec
Assert-ExitCode 'PyInstaller'
$Exe = Join-Path $Build "dist\$Name\$Name.exe"

# The exe is a GUI-subsystem program: run directly, PowerShell would neither wait for it
# nor see its output, so Start-Process hands it files for stdout and stderr. A timeout
# rather than -Wait: an uncaught error in a windowed PyInstaller app opens a message box,
# which would otherwise hold the build until the CI job's own time limit.
function Invoke-Frozen([string[]]$Arguments) {
    $Out = Join-Path $Build 'smoke-stdout.txt'
    $Err = Join-Path $Build 'smoke-stderr.txt'
    $Process = Start-Process -FilePath $Exe -ArgumentList $Arguments -NoNewWindow -PassThru `
        -RedirectStandardOutput $Out -RedirectStandardError $Err
    $null = $Process.Handle  # keeps ExitCode readable once the process is gone
    if (-not $Process.WaitForExit(300000)) {
        $Process.Kill($true)
        throw "$Name $Arguments did not finish within 5 minutes"
    }
    $Stdout = "$(Get-Content -Raw $Out)"
    Write-Host $Stdout
    Get-Content $Err | Write-Host
    if ($Process.ExitCode -ne 0) { throw "$Name $Arguments failed (exit code $($Process.ExitCode))" }
    return $Stdout
}

Write-Host '== smoke test'
$Printed = (Invoke-Frozen @('--version')).Trim()
if ($Printed -ne "$Name $Version") { throw "--version printed '$Printed', expected '$Name $Version'" }
if (-not (Invoke-Frozen @('--self-test')).Contains('self-test passed')) { throw 'the self-test did not pass' }

Write-Host '== installer (Inno Setup)'
$Found = Get-Command ISCC.exe -ErrorAction SilentlyContinue
$Iscc = if ($Found) { $Found.Source } else { Join-Path ${env:ProgramFiles(x86)} 'Inno Setup 6\ISCC.exe' }
if (-not (Test-Path $Iscc)) { throw 'ISCC.exe (Inno Setup 6) not found: choco install innosetup' }
& $Iscc /Q "/DAppVersion=$Version" packaging\windows\agency-desktop.iss
Assert-ExitCode 'ISCC'
$Setup = Join-Path $Build "$Name-$Version-setup.exe"
if (-not (Test-Path $Setup)) { throw "ISCC did not write $Setup" }
Write-Host "built $Setup ($([math]::Round((Get-Item $Setup).Length / 1MB)) MB)"
