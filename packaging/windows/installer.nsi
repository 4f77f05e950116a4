; The Windows installer of Migration Wizard (NSIS 3). Built on a Windows runner by .github/workflows/windows.yml
; from the PyInstaller bundle (packaging/pyinstaller/migration-wizard.spec); `python packaging/build.py nsis`
; compiles it with Debian's makensis to prove the script is valid.
;   makensis -DVERSION=0.1.0 -DBUNDLE=dist\migration-wizard -DOUTFILE=dist\migration-wizard-0.1.0-setup.exe installer.nsi
Unicode true
!ifndef VERSION
  !define VERSION "0.0.0"
!endif
!ifndef BUNDLE
  !define BUNDLE "..\..\dist\migration-wizard"
!endif
!ifndef OUTFILE
  !define OUTFILE "migration-wizard-${VERSION}-setup.exe"
!endif
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\MigrationWizard"

Name "Migration Wizard"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\Migration Wizard"
InstallDirRegKey HKLM "${UNINSTALL_KEY}" "InstallLocation"
RequestExecutionLevel admin
SetCompressor /SOLID lzma

!include "MUI2.nsh"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_RUN "$INSTDIR\migration-wizard.exe"
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "SimpChinese"
!insertmacro MUI_LANGUAGE "English"

Section "Migration Wizard" main
  SectionIn RO
  SetOutPath "$INSTDIR"
  File /r "${BUNDLE}\*"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  CreateShortcut "$SMPROGRAMS\Migration Wizard.lnk" "$INSTDIR\migration-wizard.exe"
  CreateShortcut "$DESKTOP\Migration Wizard.lnk" "$INSTDIR\migration-wizard.exe"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "Migration Wizard"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "Migration Wizard developers"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  Delete "$SMPROGRAMS\Migration Wizard.lnk"
  Delete "$DESKTOP\Migration Wizard.lnk"
  RMDir /r "$INSTDIR"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
SectionEnd
