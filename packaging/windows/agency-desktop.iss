; Inno Setup 6 script for Agency Desktop: installs the PyInstaller onedir bundle and offers
; the app in Explorer's "Open with" for .db files, without ever taking the default.
;
; Built by packaging/build_windows.ps1, which renders the icon and the bundle first:
;   ISCC.exe /DAppVersion=0.1.0 packaging\windows\agency-desktop.iss
;     -> build\agency-desktop-0.1.0-setup.exe
; Relative paths below are relative to this file's folder (Inno Setup's source directory).

#ifndef AppVersion
  ; The build script always passes the version from pyproject.toml; this is for IDE builds.
  #define AppVersion "0.0.0"
#endif
#define AppName "Agency Desktop"
#define AppExe "agency-desktop.exe"
#define ProgId "AgencyDesktop.SessionStore"

[Setup]
; Never change the AppId: it is how an upgrade finds (and replaces) the installed version.
AppId={{08F5A275-2990-4F50-A904-C7F87B8CB6F3}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Agency Desktop team
DefaultDirName={autopf}\{#AppName}
DisableProgramGroupPage=yes
; Per-machine by default, or "for me only" (no UAC prompt; {autopf}, {autoprograms} and
; HKA then point at the user's own folders and HKCU).
PrivilegesRequiredOverridesAllowed=dialog
; The bundle holds x64 binaries only; x64compatible also covers Windows 11 on Arm.
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Qt 6 supports Windows 10 1809 and later.
MinVersion=10.0.17763
ChangesAssociations=yes
OutputDir=..\..\build
OutputBaseFilename=agency-desktop-{#AppVersion}-setup
SetupIconFile=..\..\build\icons\agency-desktop.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2
SolidCompression=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade must not leave the previous version's libraries next to the new ones: the
; bundle's _internal folder is replaced as a whole, not merged.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "..\..\build\dist\agency-desktop\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Registry]
; "Open with" for .db files, as Microsoft documents it for an app that must not become the
; default: the application's own key (with SupportedTypes) and a ProgID listed under the
; extension's OpenWithProgids. The default value of .db (the default program) is never
; written. Everything here is removed on uninstall; entries are undone in reverse order,
; so the "if empty" parent keys come first.
;
; HKA is HKLM\Software\Classes per machine and HKCU\Software\Classes for one user.
Root: HKA; Subkey: "Software\Classes\Applications"; Flags: uninsdeletekeyifempty
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}"; ValueType: string; ValueName: "FriendlyAppName"; ValueData: "{#AppName}"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\SupportedTypes"; ValueType: string; ValueName: ".db"; ValueData: ""; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""; Flags: uninsdeletekey

; The ProgID is ours alone, so its whole key goes on uninstall.
Root: HKA; Subkey: "Software\Classes\{#ProgId}"; ValueType: string; ValueName: ""; ValueData: "Agents SDK session store"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\{#ProgId}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#AppExe},0"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\{#ProgId}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""; Flags: uninsdeletekey

; .db belongs to everyone: only our value under OpenWithProgids is added and removed, and
; the two keys are deleted only if they are left empty (that is, if this setup made them).
; The first line has no ValueType, so it creates the key without writing any value.
Root: HKA; Subkey: "Software\Classes\.db"; Flags: uninsdeletekeyifempty
Root: HKA; Subkey: "Software\Classes\.db\OpenWithProgids"; ValueType: string; ValueName: "{#ProgId}"; ValueData: ""; Flags: uninsdeletevalue uninsdeletekeyifempty

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
