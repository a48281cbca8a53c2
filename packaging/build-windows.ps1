# Build the Windows installer of MediaLens: a PyInstaller one-folder app with ONNX Runtime + DirectML,
# wrapped by Inno Setup into dist\MediaLens-Setup-VERSION.exe (per-user install, Start-menu entry, uninstaller).
# NOT built or run on the project's Linux machines: written from the PyInstaller and Inno Setup documentation.
#
#   powershell -ExecutionPolicy Bypass -File packaging\build-windows.ps1
#
# Needs: Python 3.11+ (python.org, "py" launcher), Inno Setup 6 (iscc.exe on PATH or in its default folder).
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")
$Work = Join-Path $env:TEMP ("medialens-build-" + [guid]::NewGuid())
$Venv = Join-Path $Work "venv"
py -3.11 -m venv $Venv
$Py = Join-Path $Venv "Scripts\python.exe"
& $Py -m pip install -q --upgrade pip
# pyproject's dependencies, torch-free, with pyside6-addons (QtMultimedia) and onnxruntime-directml (packaging/requirements.py)
& $Py packaging\requirements.py windows | Set-Content (Join-Path $Work "requirements.txt")
& $Py -m pip install -q -r (Join-Path $Work "requirements.txt") pyinstaller
& $Py -m pip install -q --no-deps .
& $Py -c "import onnxruntime as o, sys; p = o.get_available_providers(); print(p); sys.exit('DmlExecutionProvider' not in p)"
if ($LASTEXITCODE -ne 0) { throw "onnxruntime-directml has no DirectML provider here" }

$env:MEDIALENS_ICON_DIR = Join-Path $Work "icons"
& $Py packaging\make_icons.py $env:MEDIALENS_ICON_DIR
& $Py -m PyInstaller packaging\medialens.spec --noconfirm --distpath dist --workpath (Join-Path $Work "pyi")
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
& dist\medialens\medialens.exe --version
if ($LASTEXITCODE -ne 0) { throw "the bundle does not start" }

$Version = & $Py -c "import tomllib; print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])"
$Iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $Iscc) { $Iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
& $Iscc "/DAppVersion=$Version" "/DIconFile=$env:MEDIALENS_ICON_DIR\medialens.ico" packaging\medialens.iss
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
Remove-Item -Recurse -Force $Work
Get-ChildItem dist\MediaLens-Setup-*.exe
