; Inno Setup script for the Windows installer (compiled by packaging\build-windows.ps1 with ISCC).
; Installs dist\medialens\ per user (no administrator rights), with a Start-menu entry and an uninstaller.
; medialens.exe is the console program (the CLI); the Start-menu entry starts its windowed twin, medialens-gui.exe.
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef IconFile
  #define IconFile "..\build\icons\medialens.ico"
#endif

[Setup]
AppId={{6C1E3D52-8E0B-4B8E-9C1A-5D7A3F0E2B61}
AppName=MediaLens
AppVersion={#AppVersion}
AppPublisher=MediaLens developers
DefaultDirName={localappdata}\Programs\MediaLens
DefaultGroupName=MediaLens
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\dist
OutputBaseFilename=MediaLens-Setup-{#AppVersion}
SetupIconFile={#IconFile}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Files]
Source: "..\dist\medialens\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\MediaLens"; Filename: "{app}\medialens-gui.exe"
Name: "{group}\Uninstall MediaLens"; Filename: "{uninstallexe}"

[Run]
Filename: "{app}\medialens-gui.exe"; Description: "Start MediaLens"; Flags: postinstall nowait skipifsilent
