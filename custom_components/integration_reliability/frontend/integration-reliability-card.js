// Integration Reliability: built from frontend/ (npm run build). Do not edit.
var I=globalThis,z=I.ShadowRoot&&(I.ShadyCSS===void 0||I.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,G=Symbol(),de=new WeakMap,k=class{constructor(e,t,i){if(this._$cssResult$=!0,i!==G)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=e,this.t=t}get styleSheet(){let e=this.o,t=this.t;if(z&&e===void 0){let i=t!==void 0&&t.length===1;i&&(e=de.get(t)),e===void 0&&((this.o=e=new CSSStyleSheet).replaceSync(this.cssText),i&&de.set(t,e))}return e}toString(){return this.cssText}},he=r=>new k(typeof r=="string"?r:r+"",void 0,G),R=(r,...e)=>{let t=r.length===1?r[0]:e.reduce((i,n,s)=>i+(a=>{if(a._$cssResult$===!0)return a.cssText;if(typeof a=="number")return a;throw Error("Value passed to 'css' function must be a 'css' function result: "+a+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(n)+r[s+1],r[0]);return new k(t,r,G)},pe=(r,e)=>{if(z)r.adoptedStyleSheets=e.map(t=>t instanceof CSSStyleSheet?t:t.styleSheet);else for(let t of e){let i=document.createElement("style"),n=I.litNonce;n!==void 0&&i.setAttribute("nonce",n),i.textContent=t.cssText,r.appendChild(i)}},J=z?r=>r:r=>r instanceof CSSStyleSheet?(e=>{let t="";for(let i of e.cssRules)t+=i.cssText;return he(t)})(r):r;var{is:je,defineProperty:Be,getOwnPropertyDescriptor:We,getOwnPropertyNames:qe,getOwnPropertySymbols:Ke,getPrototypeOf:Ve}=Object,D=globalThis,ue=D.trustedTypes,Ge=ue?ue.emptyScript:"",Je=D.reactiveElementPolyfillSupport,T=(r,e)=>r,Z={toAttribute(r,e){switch(e){case Boolean:r=r?Ge:null;break;case Object:case Array:r=r==null?r:JSON.stringify(r)}return r},fromAttribute(r,e){let t=r;switch(e){case Boolean:t=r!==null;break;case Number:t=r===null?null:Number(r);break;case Object:case Array:try{t=JSON.parse(r)}catch{t=null}}return t}},ge=(r,e)=>!je(r,e),me={attribute:!0,type:String,converter:Z,reflect:!1,useDefault:!1,hasChanged:ge};Symbol.metadata??=Symbol("metadata"),D.litPropertyMetadata??=new WeakMap;var f=class extends HTMLElement{static addInitializer(e){this._$Ei(),(this.l??=[]).push(e)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(e,t=me){if(t.state&&(t.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(e)&&((t=Object.create(t)).wrapped=!0),this.elementProperties.set(e,t),!t.noAccessor){let i=Symbol(),n=this.getPropertyDescriptor(e,i,t);n!==void 0&&Be(this.prototype,e,n)}}static getPropertyDescriptor(e,t,i){let{get:n,set:s}=We(this.prototype,e)??{get(){return this[t]},set(a){this[t]=a}};return{get:n,set(a){let o=n?.call(this);s?.call(this,a),this.requestUpdate(e,o,i)},configurable:!0,enumerable:!0}}static getPropertyOptions(e){return this.elementProperties.get(e)??me}static _$Ei(){if(this.hasOwnProperty(T("elementProperties")))return;let e=Ve(this);e.finalize(),e.l!==void 0&&(this.l=[...e.l]),this.elementProperties=new Map(e.elementProperties)}static finalize(){if(this.hasOwnProperty(T("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(T("properties"))){let t=this.properties,i=[...qe(t),...Ke(t)];for(let n of i)this.createProperty(n,t[n])}let e=this[Symbol.metadata];if(e!==null){let t=litPropertyMetadata.get(e);if(t!==void 0)for(let[i,n]of t)this.elementProperties.set(i,n)}this._$Eh=new Map;for(let[t,i]of this.elementProperties){let n=this._$Eu(t,i);n!==void 0&&this._$Eh.set(n,t)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(e){let t=[];if(Array.isArray(e)){let i=new Set(e.flat(1/0).reverse());for(let n of i)t.unshift(J(n))}else e!==void 0&&t.push(J(e));return t}static _$Eu(e,t){let i=t.attribute;return i===!1?void 0:typeof i=="string"?i:typeof e=="string"?e.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(e=>this.enableUpdating=e),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(e=>e(this))}addController(e){(this._$EO??=new Set).add(e),this.renderRoot!==void 0&&this.isConnected&&e.hostConnected?.()}removeController(e){this._$EO?.delete(e)}_$E_(){let e=new Map,t=this.constructor.elementProperties;for(let i of t.keys())this.hasOwnProperty(i)&&(e.set(i,this[i]),delete this[i]);e.size>0&&(this._$Ep=e)}createRenderRoot(){let e=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return pe(e,this.constructor.elementStyles),e}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(e=>e.hostConnected?.())}enableUpdating(e){}disconnectedCallback(){this._$EO?.forEach(e=>e.hostDisconnected?.())}attributeChangedCallback(e,t,i){this._$AK(e,i)}_$ET(e,t){let i=this.constructor.elementProperties.get(e),n=this.constructor._$Eu(e,i);if(n!==void 0&&i.reflect===!0){let s=(i.converter?.toAttribute!==void 0?i.converter:Z).toAttribute(t,i.type);this._$Em=e,s==null?this.removeAttribute(n):this.setAttribute(n,s),this._$Em=null}}_$AK(e,t){let i=this.constructor,n=i._$Eh.get(e);if(n!==void 0&&this._$Em!==n){let s=i.getPropertyOptions(n),a=typeof s.converter=="function"?{fromAttribute:s.converter}:s.converter?.fromAttribute!==void 0?s.converter:Z;this._$Em=n;let o=a.fromAttribute(t,s.type);this[n]=o??this._$Ej?.get(n)??o,this._$Em=null}}requestUpdate(e,t,i,n=!1,s){if(e!==void 0){let a=this.constructor;if(n===!1&&(s=this[e]),i??=a.getPropertyOptions(e),!((i.hasChanged??ge)(s,t)||i.useDefault&&i.reflect&&s===this._$Ej?.get(e)&&!this.hasAttribute(a._$Eu(e,i))))return;this.C(e,t,i)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(e,t,{useDefault:i,reflect:n,wrapped:s},a){i&&!(this._$Ej??=new Map).has(e)&&(this._$Ej.set(e,a??t??this[e]),s!==!0||a!==void 0)||(this._$AL.has(e)||(this.hasUpdated||i||(t=void 0),this._$AL.set(e,t)),n===!0&&this._$Em!==e&&(this._$Eq??=new Set).add(e))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(t){Promise.reject(t)}let e=this.scheduleUpdate();return e!=null&&await e,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[n,s]of this._$Ep)this[n]=s;this._$Ep=void 0}let i=this.constructor.elementProperties;if(i.size>0)for(let[n,s]of i){let{wrapped:a}=s,o=this[n];a!==!0||this._$AL.has(n)||o===void 0||this.C(n,void 0,s,o)}}let e=!1,t=this._$AL;try{e=this.shouldUpdate(t),e?(this.willUpdate(t),this._$EO?.forEach(i=>i.hostUpdate?.()),this.update(t)):this._$EM()}catch(i){throw e=!1,this._$EM(),i}e&&this._$AE(t)}willUpdate(e){}_$AE(e){this._$EO?.forEach(t=>t.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(e)),this.updated(e)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(e){return!0}update(e){this._$Eq&&=this._$Eq.forEach(t=>this._$ET(t,this[t])),this._$EM()}updated(e){}firstUpdated(e){}};f.elementStyles=[],f.shadowRootOptions={mode:"open"},f[T("elementProperties")]=new Map,f[T("finalized")]=new Map,Je?.({ReactiveElement:f}),(D.reactiveElementVersions??=[]).push("2.1.2");var re=globalThis,fe=r=>r,j=re.trustedTypes,_e=j?j.createPolicy("lit-html",{createHTML:r=>r}):void 0,xe="$lit$",v=`lit$${Math.random().toFixed(9).slice(2)}$`,Ae="?"+v,Ze=`<${Ae}>`,w=document,M=()=>w.createComment(""),P=r=>r===null||typeof r!="object"&&typeof r!="function",ne=Array.isArray,Xe=r=>ne(r)||typeof r?.[Symbol.iterator]=="function",X=`[ 	
\f\r]`,H=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,ye=/-->/g,ve=/>/g,b=RegExp(`>|${X}(?:([^\\s"'>=/]+)(${X}*=${X}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),be=/'/g,$e=/"/g,Se=/^(?:script|style|textarea|title)$/i,se=r=>(e,...t)=>({_$litType$:r,strings:e,values:t}),p=se(1),L=se(2),gt=se(3),x=Symbol.for("lit-noChange"),u=Symbol.for("lit-nothing"),we=new WeakMap,$=w.createTreeWalker(w,129);function Ee(r,e){if(!ne(r)||!r.hasOwnProperty("raw"))throw Error("invalid template strings array");return _e!==void 0?_e.createHTML(e):e}var Qe=(r,e)=>{let t=r.length-1,i=[],n,s=e===2?"<svg>":e===3?"<math>":"",a=H;for(let o=0;o<t;o++){let l=r[o],c,d,h=-1,m=0;for(;m<l.length&&(a.lastIndex=m,d=a.exec(l),d!==null);)m=a.lastIndex,a===H?d[1]==="!--"?a=ye:d[1]!==void 0?a=ve:d[2]!==void 0?(Se.test(d[2])&&(n=RegExp("</"+d[2],"g")),a=b):d[3]!==void 0&&(a=b):a===b?d[0]===">"?(a=n??H,h=-1):d[1]===void 0?h=-2:(h=a.lastIndex-d[2].length,c=d[1],a=d[3]===void 0?b:d[3]==='"'?$e:be):a===$e||a===be?a=b:a===ye||a===ve?a=H:(a=b,n=void 0);let y=a===b&&r[o+1].startsWith("/>")?" ":"";s+=a===H?l+Ze:h>=0?(i.push(c),l.slice(0,h)+xe+l.slice(h)+v+y):l+v+(h===-2?o:y)}return[Ee(r,s+(r[t]||"<?>")+(e===2?"</svg>":e===3?"</math>":"")),i]},N=class r{constructor({strings:e,_$litType$:t},i){let n;this.parts=[];let s=0,a=0,o=e.length-1,l=this.parts,[c,d]=Qe(e,t);if(this.el=r.createElement(c,i),$.currentNode=this.el.content,t===2||t===3){let h=this.el.content.firstChild;h.replaceWith(...h.childNodes)}for(;(n=$.nextNode())!==null&&l.length<o;){if(n.nodeType===1){if(n.hasAttributes())for(let h of n.getAttributeNames())if(h.endsWith(xe)){let m=d[a++],y=n.getAttribute(h).split(v),F=/([.?@])?(.*)/.exec(m);l.push({type:1,index:s,name:F[2],strings:y,ctor:F[1]==="."?Y:F[1]==="?"?ee:F[1]==="@"?te:E}),n.removeAttribute(h)}else h.startsWith(v)&&(l.push({type:6,index:s}),n.removeAttribute(h));if(Se.test(n.tagName)){let h=n.textContent.split(v),m=h.length-1;if(m>0){n.textContent=j?j.emptyScript:"";for(let y=0;y<m;y++)n.append(h[y],M()),$.nextNode(),l.push({type:2,index:++s});n.append(h[m],M())}}}else if(n.nodeType===8)if(n.data===Ae)l.push({type:2,index:s});else{let h=-1;for(;(h=n.data.indexOf(v,h+1))!==-1;)l.push({type:7,index:s}),h+=v.length-1}s++}}static createElement(e,t){let i=w.createElement("template");return i.innerHTML=e,i}};function S(r,e,t=r,i){if(e===x)return e;let n=i!==void 0?t._$Co?.[i]:t._$Cl,s=P(e)?void 0:e._$litDirective$;return n?.constructor!==s&&(n?._$AO?.(!1),s===void 0?n=void 0:(n=new s(r),n._$AT(r,t,i)),i!==void 0?(t._$Co??=[])[i]=n:t._$Cl=n),n!==void 0&&(e=S(r,n._$AS(r,e.values),n,i)),e}var Q=class{constructor(e,t){this._$AV=[],this._$AN=void 0,this._$AD=e,this._$AM=t}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(e){let{el:{content:t},parts:i}=this._$AD,n=(e?.creationScope??w).importNode(t,!0);$.currentNode=n;let s=$.nextNode(),a=0,o=0,l=i[0];for(;l!==void 0;){if(a===l.index){let c;l.type===2?c=new O(s,s.nextSibling,this,e):l.type===1?c=new l.ctor(s,l.name,l.strings,this,e):l.type===6&&(c=new ie(s,this,e)),this._$AV.push(c),l=i[++o]}a!==l?.index&&(s=$.nextNode(),a++)}return $.currentNode=w,n}p(e){let t=0;for(let i of this._$AV)i!==void 0&&(i.strings!==void 0?(i._$AI(e,i,t),t+=i.strings.length-2):i._$AI(e[t])),t++}},O=class r{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(e,t,i,n){this.type=2,this._$AH=u,this._$AN=void 0,this._$AA=e,this._$AB=t,this._$AM=i,this.options=n,this._$Cv=n?.isConnected??!0}get parentNode(){let e=this._$AA.parentNode,t=this._$AM;return t!==void 0&&e?.nodeType===11&&(e=t.parentNode),e}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(e,t=this){e=S(this,e,t),P(e)?e===u||e==null||e===""?(this._$AH!==u&&this._$AR(),this._$AH=u):e!==this._$AH&&e!==x&&this._(e):e._$litType$!==void 0?this.$(e):e.nodeType!==void 0?this.T(e):Xe(e)?this.k(e):this._(e)}O(e){return this._$AA.parentNode.insertBefore(e,this._$AB)}T(e){this._$AH!==e&&(this._$AR(),this._$AH=this.O(e))}_(e){this._$AH!==u&&P(this._$AH)?this._$AA.nextSibling.data=e:this.T(w.createTextNode(e)),this._$AH=e}$(e){let{values:t,_$litType$:i}=e,n=typeof i=="number"?this._$AC(e):(i.el===void 0&&(i.el=N.createElement(Ee(i.h,i.h[0]),this.options)),i);if(this._$AH?._$AD===n)this._$AH.p(t);else{let s=new Q(n,this),a=s.u(this.options);s.p(t),this.T(a),this._$AH=s}}_$AC(e){let t=we.get(e.strings);return t===void 0&&we.set(e.strings,t=new N(e)),t}k(e){ne(this._$AH)||(this._$AH=[],this._$AR());let t=this._$AH,i,n=0;for(let s of e)n===t.length?t.push(i=new r(this.O(M()),this.O(M()),this,this.options)):i=t[n],i._$AI(s),n++;n<t.length&&(this._$AR(i&&i._$AB.nextSibling,n),t.length=n)}_$AR(e=this._$AA.nextSibling,t){for(this._$AP?.(!1,!0,t);e!==this._$AB;){let i=fe(e).nextSibling;fe(e).remove(),e=i}}setConnected(e){this._$AM===void 0&&(this._$Cv=e,this._$AP?.(e))}},E=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(e,t,i,n,s){this.type=1,this._$AH=u,this._$AN=void 0,this.element=e,this.name=t,this._$AM=n,this.options=s,i.length>2||i[0]!==""||i[1]!==""?(this._$AH=Array(i.length-1).fill(new String),this.strings=i):this._$AH=u}_$AI(e,t=this,i,n){let s=this.strings,a=!1;if(s===void 0)e=S(this,e,t,0),a=!P(e)||e!==this._$AH&&e!==x,a&&(this._$AH=e);else{let o=e,l,c;for(e=s[0],l=0;l<s.length-1;l++)c=S(this,o[i+l],t,l),c===x&&(c=this._$AH[l]),a||=!P(c)||c!==this._$AH[l],c===u?e=u:e!==u&&(e+=(c??"")+s[l+1]),this._$AH[l]=c}a&&!n&&this.j(e)}j(e){e===u?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,e??"")}},Y=class extends E{constructor(){super(...arguments),this.type=3}j(e){this.element[this.name]=e===u?void 0:e}},ee=class extends E{constructor(){super(...arguments),this.type=4}j(e){this.element.toggleAttribute(this.name,!!e&&e!==u)}},te=class extends E{constructor(e,t,i,n,s){super(e,t,i,n,s),this.type=5}_$AI(e,t=this){if((e=S(this,e,t,0)??u)===x)return;let i=this._$AH,n=e===u&&i!==u||e.capture!==i.capture||e.once!==i.once||e.passive!==i.passive,s=e!==u&&(i===u||n);n&&this.element.removeEventListener(this.name,this,i),s&&this.element.addEventListener(this.name,this,e),this._$AH=e}handleEvent(e){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,e):this._$AH.handleEvent(e)}},ie=class{constructor(e,t,i){this.element=e,this.type=6,this._$AN=void 0,this._$AM=t,this.options=i}get _$AU(){return this._$AM._$AU}_$AI(e){S(this,e)}};var Ye=re.litHtmlPolyfillSupport;Ye?.(N,O),(re.litHtmlVersions??=[]).push("3.3.3");var Ce=(r,e,t)=>{let i=t?.renderBefore??e,n=i._$litPart$;if(n===void 0){let s=t?.renderBefore??null;i._$litPart$=n=new O(e.insertBefore(M(),s),s,void 0,t??{})}return n._$AI(r),n};var ae=globalThis,_=class extends f{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let e=super.createRenderRoot();return this.renderOptions.renderBefore??=e.firstChild,e}update(e){let t=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(e),this._$Do=Ce(t,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return x}};_._$litElement$=!0,_.finalized=!0,ae.litElementHydrateSupport?.({LitElement:_});var et=ae.litElementPolyfillSupport;et?.({LitElement:_});(ae.litElementVersions??=[]).push("4.2.2");var g="integration_reliability";function B(r){return r.locale.time_zone==="local"?Intl.DateTimeFormat().resolvedOptions().timeZone:r.config.time_zone}function A(r,e){let t={range:e.range,time_zone:B(r)};return e.range==="custom"&&(e.start&&(t.start=e.start),e.end&&(t.end=e.end)),t}var C={overview:(r,e)=>r.callWS({type:`${g}/overview`,...A(r,e)}),integration:(r,e,t)=>r.callWS({type:`${g}/integration`,integration_id:e,...A(r,t)}),timeline:(r,e,t)=>r.callWS({type:`${g}/timeline`,integration_id:e,...A(r,t)}),heatmap:(r,e,t)=>r.callWS({type:`${g}/heatmap`,...e?{integration_id:e}:{},...A(r,t)}),correlation:(r,e,t)=>r.callWS({type:`${g}/correlation`,integration_id:e,...A(r,t)}),spells:(r,e,t)=>r.callWS({type:`${g}/spells`,integration_id:e,...A(r,t)}),events:(r,e,t,i)=>r.callWS({type:`${g}/events`,integration_id:e,limit:50,...i.eventType?{event_types:[i.eventType]}:{},...i.entityId?{entity_id:i.entityId}:{},...i.cursor?{cursor:i.cursor}:{},...A(r,t)}),engine:r=>r.callWS({type:`${g}/engine`,time_zone:B(r)}),heal:(r,e)=>r.callWS({type:`${g}/heal`,integration_id:e}),subscribe:(r,e)=>r.connection.subscribeMessage(()=>e(),{type:`${g}/subscribe`})};function ke(r){return r&&typeof r=="object"&&"message"in r?String(r.message):String(r)}var tt={key:"availability",descending:!1},it=new Set(["setup_error","setup_retry"]),rt={setup_error:0,setup_retry:1,outage:2,degraded:3,not_loaded:4,ok:5};function Re(r,e){switch(e){case"name":return r.name.toLocaleLowerCase();case"status":return rt[r.status]??9;case"availability_24h":return r.windows["24h"];case"availability_7d":return r.windows["7d"];case"availability_30d":return r.windows["30d"];case"availability":return r.availability??(it.has(r.status)?0:null);case"outages":return r.unavailable_events;case"unavailable":return r.unavailable_seconds;case"mttr":return r.mttr_seconds;case"mtbf":return r.mtbf_seconds;case"heals":return r.heal_attempts;case"success_rate":return r.success_rate}}function nt(r,e){let t=e.descending?-1:1;return[...r].sort((i,n)=>{let s=Re(i,e.key),a=Re(n,e.key);if(s===null&&a!==null)return 1;if(a===null&&s!==null)return-1;if(s!==null&&a!==null&&s!==a)return(s<a?-1:1)*t;let o=i.unavailable_seconds??0,l=n.unavailable_seconds??0;return o!==l?l-o:i.name.localeCompare(n.name)})}function Te(r,e){return r<=0||e<=0?0:Math.max(1,Math.min(4,Math.ceil(r/e*4)))}function He(r,e,t,i){let n=Math.max(1,t-e),s=new Map;for(let o of r){let l=o.entity_id??"—",c=s.get(l);c||(c={entity:l,bars:[]},s.set(l,c));let d=Math.max(e,o.start),h=Math.min(t,o.end??t),m=(d-e)/n*i;c.bars.push({x:m,width:Math.max(1,(h-d)/n*i),outage:o})}let a=o=>o.bars.reduce((l,c)=>l+c.outage.duration_s,0);return[...s.values()].sort((o,l)=>a(l)-a(o)||o.entity.localeCompare(l.entity))}function Me(r,e,t,i=0){if(!r.length)return"";let n=r.length>1?e/(r.length-1):0,s=l=>t-(l-i)/(1-i||1)*t,a="",o=!1;return r.forEach((l,c)=>{if(l===null){o=!1;return}let d=(c*n).toFixed(1),h=s(Math.max(i,l)).toFixed(1);a+=`${o?"L":"M"}${d} ${h}`,o=!0}),a}function Pe(r){let e=r.filter(i=>i!==null);if(!e.length)return .9;let t=Math.min(...e);for(let i of[.99,.95,.9,.75,.5])if(t>=i)return i;return 0}function Ne(r,e){return nt(r,tt).filter(t=>(t.unavailable_events??0)>0||t.status!=="ok").slice(0,e)}function Oe(r,e){let n=Pe(r);return p`<svg
    class="sparkline"
    viewBox="0 0 ${96} ${24}"
    width=${96}
    height=${24}
    role="img"
    aria-label=${e}
    preserveAspectRatio="none"
  >
    ${L`<path d=${Me(r,96,22,n)} />`}
  </svg>`}function Le(r,e,t,i=!1){let n=Math.max(0,...r.grid.flat()),s=Array.from({length:24},(a,o)=>o);return p`<div class="heatmap${i?" compact":""}" role="grid" aria-label=${t("integration.heatmap")}>
    <div class="heat-row heat-head" role="row">
      <span class="heat-day" role="columnheader"></span>
      ${s.map(a=>p`<span class="heat-hour" role="columnheader">${a%3===0?String(a).padStart(2,"0"):""}</span>`)}
    </div>
    ${r.grid.map((a,o)=>p`<div class="heat-row" role="row">
        <span class="heat-day" role="rowheader">${e[o]}</span>
        ${a.map((l,c)=>p`<span
            class="heat-cell level-${Te(l,n)}"
            role="gridcell"
            tabindex="0"
            data-day=${o}
            data-hour=${c}
            data-count=${l}
            title="${e[o]} ${String(c).padStart(2,"0")}:00 · ${l}"
            aria-label="${e[o]} ${String(c).padStart(2,"0")}:00: ${l}"
          ></span>`)}
      </div>`)}
    ${r.peak_hour!==null&&r.peak_share!==null?p`<p class="heat-peak">
          ${t("integration.heatmap_peak",{share:`${Math.round(r.peak_share*100)} %`,from:`${String(r.peak_hour).padStart(2,"0")}:00`,to:`${String((r.peak_hour+1)%24).padStart(2,"0")}:00`})}
        </p>`:u}
  </div>`}var st={reload:"reload",heal_attempt:"heal",heal_success:"heal ok",heal_failure:"heal bad",setup_failure:"setup",setup_retry:"setup"};function Ue(r,e,t,i=30){let a=He(r.outages,r.start,r.end,600).slice(0,i),o=Math.max(1,a.length)*14+18,l=Math.max(1,r.end-r.start),c=d=>(d.timestamp-r.start)/l*600;return p`<div class="timeline">
    <div class="lane-labels">
      ${a.map(d=>p`<span class="lane-label" title=${d.entity}>${d.entity}</span>`)}
    </div>
    <svg
      class="timeline-chart"
      viewBox="0 0 ${600} ${o}"
      preserveAspectRatio="none"
      role="img"
      aria-label=${t("integration.timeline")}
    >
      ${a.map((d,h)=>d.bars.map(m=>L`<rect class="outage${m.outage.end===null?" open":""}"
            x=${m.x.toFixed(2)} y=${h*14+2} width=${m.width.toFixed(2)} height=${10}
          ><title>${d.entity}: ${e.dateTime(m.outage.start)} · ${e.duration(m.outage.duration_s)}${m.outage.end===null?` (${t("integration.open")})`:""}</title></rect>`))}
      ${r.markers.map(d=>L`<line class="marker ${st[d.event_type]??""}"
          x1=${c(d).toFixed(2)} x2=${c(d).toFixed(2)} y1="0" y2=${o-16}
        ><title>${t(`event.${d.event_type}`)} · ${e.dateTime(d.timestamp)}</title></line>`)}
      ${L`<line class="axis" x1="0" x2=${600} y1=${o-16} y2=${o-16} />`}
    </svg>
    <div class="timeline-axis"><span>${e.dateTime(r.start)}</span><span>${e.dateTime(r.end)}</span></div>
  </div>`}function oe(r,e){let t=new Map,i=new Intl.NumberFormat(r),n=new Intl.DateTimeFormat(r,{timeZone:e,year:"numeric",month:"short",day:"numeric",hour:"2-digit",minute:"2-digit"}),s=new Intl.DateTimeFormat(r,{timeZone:e,month:"short",day:"numeric"}),a=new Intl.DateTimeFormat(r,{timeZone:e,hour:"2-digit",minute:"2-digit"});return{percent(o,l=1){if(o==null)return"—";let c=t.get(l);c||(c=new Intl.NumberFormat(r,{style:"percent",minimumFractionDigits:l,maximumFractionDigits:l}),t.set(l,c));let d=10**(l+2);return c.format(Math.floor(o*d)/d)},number:o=>o==null?"—":i.format(o),duration:o=>at(o,r),dateTime:o=>o==null?"—":n.format(o*1e3),date:o=>s.format(o*1e3),hour:o=>a.format(o*1e3),bytes:o=>ot(o,r)}}function at(r,e="en"){if(r==null||!Number.isFinite(r))return"—";let t=[["d",86400],["h",3600],["min",60],["s",1]],i=Math.max(0,Math.round(r)),n=t.map(([l,c])=>{let d=Math.floor(i/c);return i-=d*c,[l,d]}),s=n.findIndex(([,l])=>l>0);if(s<0)return"0 s";let a=new Intl.NumberFormat(e),o=[n[s]];return s+1<n.length&&n[s+1][1]>0&&o.push(n[s+1]),o.map(([l,c])=>`${a.format(c)} ${l}`).join(" ")}function ot(r,e="en"){if(r==null)return"—";let t=["B","kB","MB","GB","TB"],i=r,n=0;for(;i>=1e3&&n<t.length-1;)i/=1e3,n+=1;return`${new Intl.NumberFormat(e,{maximumFractionDigits:n===0?0:1}).format(i)} ${t[n]}`}var Fe={title:"Reliability",tabs:{overview:"Overview",engine:"Engine"},range:{label:"Range","24h":"Last 24 hours","7d":"Last 7 days","30d":"Last 30 days","90d":"Last 90 days","1y":"Last year",custom:"Custom",start:"From",end:"To",apply:"Apply"},status:{ok:"OK",outage:"Outage",setup_retry:"Retrying setup",setup_error:"Setup failed",not_loaded:"Not loaded",degraded:"Degraded"},overview:{search:"Search integrations",integrations:"Integrations",availability:"Availability",outages:"Outages",unavailable:"Unavailable time",problems_now:"Problems now",open_outages:"Entities down now",heals:"Heals",heal_rate:"Heal success",empty:"Nothing recorded yet. Outages appear here as soon as an entity of a monitored integration goes unavailable.",no_match:"No integration matches “{query}”.",columns:{name:"Integration",status:"Status",availability_24h:"24 h",availability_7d:"7 d",availability_30d:"30 d",availability:"Range",outages:"Outages",unavailable:"Unavailable",mttr:"MTTR",mtbf:"MTBF",heals:"Heals",success_rate:"Heal success",trend:"Daily availability"},sorted_by:"Sorted by {column}"},integration:{back:"Back to the overview",heal:"Heal",healing:"Healing…",heal_done:"Heal {outcome}: {recovered} of {affected} entities back",status_since:"since {time}",timeline:"Outage timeline",timeline_empty:"No outage in this range.",timeline_truncated:"Only the newest {count} outages are shown.",markers:"Heals and reloads",availability_days:"Availability, last 90 days",availability_hours:"Availability, last 48 hours",heatmap:"When outages start (weekday × hour)",heatmap_peak:"{share} of outages start between {from} and {to}",together:"Failing together with",together_empty:"No integration fails together with this one more often than chance.",lift:"Lift",support:"Together",confidence:"Confidence",spells:"Failure spells",spells_empty:"No failed setup in this range.",events:"Events",events_empty:"No event matches.",more:"Older events",filter_type:"Event type",filter_entity:"Entity",all_types:"All types",open:"still down",not_found:"This integration is not monitored."},spell:{start:"Started",end:"Ended",state:"State",reason:"Reason",attempts:"Attempts",outcome:"Outcome"},event:{time:"Time",type:"Type",entity:"Entity",details:"Details",unavailable:"Unavailable",recovered:"Recovered",blip:"Blip",setup_failure:"Setup failure",setup_retry:"Setup retry",reload:"Reload",heal_attempt:"Heal attempt",heal_success:"Heal success",heal_failure:"Heal failure"},engine:{database:"Database",backend:"Engine",size:"Size",growth:"Growth",per_day:"{value} per day",events_per_day:"Events per day",queue:"Write queue",dropped:"Dropped records",committed:"Committed since start",last_commit:"Last commit",schema:"Schema version",daily_events:"Events recorded per day",jobs:"Recent processing jobs",job_type:"Job",job_range:"Range",job_status:"Status",job_rows:"Rows",job_took:"Took"},days:["Mon","Tue","Wed","Thu","Fri","Sat","Sun"],common:{loading:"Loading…",error:"Could not load: {message}",not_loaded:"Integration Reliability is not loaded.",none:"—",admin_only:"Only administrators can heal."},card:{mode:"Mode",modes:{overview:"Most flaky integrations",heatmap:"Time-of-day heatmap",timeline:"Outage timeline"},integration:"Integration",all:"All integrations",top:"How many",title:"Title",range:"Range",pick_integration:"Pick an integration in the card's settings.",open_panel:"Open the Reliability panel"}};var W={en:Fe};function Ie(r,e){let t=r;for(let i of e.split(".")){if(t===void 0||typeof t=="string"||Array.isArray(t))return;t=t[i]}return typeof t=="string"||Array.isArray(t)?t:void 0}function q(r){let e=[r,r?.split("-")[0],"en"].filter(t=>!!t&&t in W).map(t=>W[t]);return(t,i)=>{let n;for(let s of e){let a=Ie(s,t);if(typeof a=="string"){n=a;break}}return n===void 0?t:n.replace(/\{(\w+)\}/g,(s,a)=>i&&a in i?String(i[a]):s)}}function ze(r,e){for(let t of[r,r?.split("-")[0],"en"])if(t&&t in W){let i=Ie(W[t],e);if(Array.isArray(i))return i}return[]}var De=R`
  :host {
    color: var(--primary-text-color);
    font-family: var(--paper-font-body1_-_font-family, var(--ha-font-family-body, Roboto, sans-serif));
    --ir-good: var(--success-color, #43a047);
    --ir-fair: var(--warning-color, #ffa600);
    --ir-bad: var(--error-color, #db4437);
    --ir-muted: var(--secondary-text-color);
    --ir-line: var(--divider-color, rgba(127, 127, 127, 0.3));
  }
  .card {
    background: var(--ha-card-background, var(--card-background-color, #fff));
    border-radius: var(--ha-card-border-radius, 12px);
    border: 1px solid var(--ha-card-border-color, var(--divider-color, #e0e0e0));
    padding: 16px;
    margin-bottom: 16px;
    box-sizing: border-box;
    min-width: 0;
  }
  h2 {
    font-size: 1.1em;
    font-weight: 500;
    margin: 0 0 12px;
  }
  .muted {
    color: var(--ir-muted);
  }
  .status {
    display: inline-block;
    padding: 2px 8px;
    border-radius: 10px;
    font-size: 0.85em;
    white-space: nowrap;
    border: 1px solid currentColor;
  }
  .status.ok {
    color: var(--ir-good);
  }
  .status.outage,
  .status.setup_error {
    color: var(--ir-bad);
  }
  .status.setup_retry,
  .status.degraded,
  .status.not_loaded {
    color: var(--ir-fair);
  }
  button,
  select,
  input {
    font: inherit;
    color: var(--primary-text-color);
    background: var(--secondary-background-color, transparent);
    border: 1px solid var(--ir-line);
    border-radius: 6px;
    padding: 6px 10px;
    min-height: 36px;
  }
  button {
    cursor: pointer;
  }
  button.primary {
    background: var(--primary-color);
    color: var(--text-primary-color, #fff);
    border-color: var(--primary-color);
  }
  button:disabled {
    opacity: 0.5;
    cursor: default;
  }
  :focus-visible {
    outline: 2px solid var(--primary-color);
    outline-offset: 2px;
  }
  .sparkline path {
    fill: none;
    stroke: var(--primary-color);
    stroke-width: 1.5;
    vector-effect: non-scaling-stroke;
  }
  .chart {
    margin: 0;
  }
  .bars {
    width: 100%;
    height: 110px;
    display: block;
  }
  .bar.good {
    fill: var(--ir-good);
  }
  .bar.fair {
    fill: var(--ir-fair);
  }
  .bar.bad {
    fill: var(--ir-bad);
  }
  .bar.partial {
    opacity: 0.6;
  }
  .axis {
    stroke: var(--ir-line);
    vector-effect: non-scaling-stroke;
  }
  .axis-labels,
  .timeline-axis {
    display: flex;
    justify-content: space-between;
    font-size: 0.8em;
    color: var(--ir-muted);
  }
  .heatmap {
    display: flex;
    flex-direction: column;
    gap: 2px;
    font-size: 0.75em;
    overflow-x: auto;
  }
  .heat-row {
    display: grid;
    grid-template-columns: 2.6em repeat(24, minmax(9px, 1fr));
    gap: 2px;
    align-items: center;
  }
  .heat-cell {
    aspect-ratio: 1;
    border-radius: 2px;
    background: var(--ir-line);
  }
  .heat-cell.level-1 {
    background: color-mix(in srgb, var(--ir-bad) 25%, transparent);
  }
  .heat-cell.level-2 {
    background: color-mix(in srgb, var(--ir-bad) 50%, transparent);
  }
  .heat-cell.level-3 {
    background: color-mix(in srgb, var(--ir-bad) 75%, transparent);
  }
  .heat-cell.level-4 {
    background: var(--ir-bad);
  }
  .heat-day,
  .heat-hour {
    color: var(--ir-muted);
  }
  .heat-peak {
    margin: 8px 0 0;
  }
  .timeline {
    display: grid;
    grid-template-columns: minmax(80px, 30%) 1fr;
    column-gap: 8px;
  }
  .lane-labels {
    display: flex;
    flex-direction: column;
    font-size: 0.75em;
  }
  .lane-label {
    height: 14px;
    line-height: 14px;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .timeline-chart {
    width: 100%;
    height: auto;
    display: block;
  }
  .timeline-axis {
    grid-column: 2;
  }
  .outage {
    fill: var(--ir-bad);
  }
  .outage.open {
    fill: var(--ir-fair);
  }
  .marker {
    stroke: var(--primary-color);
    stroke-width: 2;
    vector-effect: non-scaling-stroke;
  }
  .marker.reload {
    stroke: var(--ir-muted);
    stroke-dasharray: 3 2;
  }
  .marker.heal.ok {
    stroke: var(--ir-good);
  }
  .marker.heal.bad {
    stroke: var(--ir-bad);
  }
  table {
    border-collapse: collapse;
    width: 100%;
  }
  th,
  td {
    text-align: left;
    padding: 6px 8px;
    border-bottom: 1px solid var(--ir-line);
    white-space: nowrap;
  }
  td.num,
  th.num {
    text-align: right;
    font-variant-numeric: tabular-nums;
  }
  .scroll {
    overflow-x: auto;
  }
`;var le=["overview","heatmap","timeline"],ce=["24h","7d","30d","90d","1y"],ct="/integration-reliability";function dt(r){if(!r||typeof r!="object")throw new Error("Invalid configuration");let e=r.mode??"overview";if(!le.includes(e))throw new Error(`Unknown mode "${e}": use one of ${le.join(", ")}`);let t=r.range??"7d";if(!ce.includes(t))throw new Error(`Unknown range "${t}": use one of ${ce.join(", ")}`);let i=r.top??5;if(!Number.isInteger(i)||i<1||i>50)throw new Error("top must be a whole number from 1 to 50");return{...r,mode:e,range:t,top:i}}var U=class extends _{constructor(){super(...arguments);this._loadedKey="";this._localize=q("en");this._fmt=oe("en","UTC")}static getConfigElement(){return document.createElement("integration-reliability-card-editor")}static getStubConfig(){return{mode:"overview",top:5,range:"7d"}}setConfig(t){this._config=dt(t)}getCardSize(){return this._config?.mode==="overview"?1+(this._config.top??5):5}connectedCallback(){super.connectedCallback(),this._subscribe()}disconnectedCallback(){super.disconnectedCallback(),this._unsubscribe?.then(t=>t()).catch(()=>{}),this._unsubscribe=void 0,clearTimeout(this._timer)}_subscribe(){!this.hass||this._unsubscribe||!this.isConnected||(this._unsubscribe=C.subscribe(this.hass,()=>{clearTimeout(this._timer),this._timer=setTimeout(()=>this._load(),5e3)}),this._unsubscribe.catch(()=>this._unsubscribe=void 0))}willUpdate(t){if(t.has("hass")&&this.hass){let n=this.hass.locale?.language??"en";this._localize=q(n),this._fmt=oe(n,B(this.hass)),this._subscribe()}let i=JSON.stringify(this._config);this.hass&&this._config&&i!==this._loadedKey&&(this._loadedKey=i,this._load())}async _load(){let t=this.hass,i=this._config;if(!t||!i)return;let n={range:i.range};try{this._error=void 0,i.mode==="overview"?this._rows=Ne((await C.overview(t,n)).integrations,i.top):i.mode==="heatmap"?this._heatmap=await C.heatmap(t,i.integration_id,n):i.integration_id&&(this._timeline=await C.timeline(t,i.integration_id,n))}catch(s){this._error=ke(s)}}_open(t){history.pushState(null,"",`${ct}${t}`),window.dispatchEvent(new CustomEvent("location-changed",{detail:{replace:!1}}))}render(){let t=this._config;if(!t)return p``;let i=this._localize,n=t.title??i(`card.modes.${t.mode}`);return p`<ha-card>
      <div class="card-content">
        <h2 class="card-title">${n}</h2>
        ${this._error?p`<p class="error" role="alert">${this._error}</p>`:this._body()}
      </div>
    </ha-card>`}_body(){let t=this._config,i=this._localize;return t.mode==="overview"?this._rows?this._rows.length?p`<ol class="top">
        ${this._rows.map(n=>p`<li>
            <button class="row" data-integration=${n.integration_id} @click=${()=>this._open(`/integration/${encodeURIComponent(n.integration_id)}`)}>
              <span class="row-name">${n.name}</span>
              <span class="status ${n.status}">${i(`status.${n.status}`)}</span>
              <span class="num">${this._fmt.percent(n.availability,2)}</span>
              <span class="num muted">${this._fmt.number(n.unavailable_events)} ${i("overview.columns.outages")}</span>
              ${Oe(n.sparkline,i("overview.columns.trend"))}
            </button>
          </li>`)}
      </ol>`:p`<p class="muted">${i("overview.empty")}</p>`:p`<p class="muted">${i("common.loading")}</p>`:t.mode==="heatmap"?this._heatmap?Le(this._heatmap,ze(this.hass?.locale?.language,"days"),i,!0):p`<p class="muted">${i("common.loading")}</p>`:t.integration_id?this._timeline?this._timeline.outages.length?Ue(this._timeline,this._fmt,i,12):p`<p class="muted">${i("integration.timeline_empty")}</p>`:p`<p class="muted">${i("common.loading")}</p>`:p`<p class="muted">${i("card.pick_integration")}</p>`}};U.properties={hass:{attribute:!1},_config:{state:!0},_rows:{state:!0},_heatmap:{state:!0},_timeline:{state:!0},_error:{state:!0}},U.styles=[De,R`
      .card-content {
        padding: 16px;
      }
      .card-title {
        margin: 0 0 12px;
      }
      .top {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      .row {
        display: grid;
        grid-template-columns: 1fr auto auto;
        grid-template-areas: "name status avail" "spark spark outages";
        gap: 2px 8px;
        align-items: center;
        width: 100%;
        text-align: left;
        background: none;
        border: none;
        border-bottom: 1px solid var(--ir-line);
        border-radius: 0;
        padding: 8px 0;
      }
      .row-name {
        grid-area: name;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .row .status {
        grid-area: status;
      }
      .row .num {
        text-align: right;
      }
      .row .sparkline {
        grid-area: spark;
        width: 100%;
      }
      .error {
        color: var(--ir-bad);
      }
    `];var K=class extends _{constructor(){super(...arguments);this._options=[];this._fetched=!1}setConfig(t){this._config=t}willUpdate(){this.hass&&!this._fetched&&(this._fetched=!0,C.overview(this.hass,{range:"30d"}).then(t=>{this._options=t.integrations.map(i=>({value:i.integration_id,label:i.name}))}).catch(()=>{}))}_schema(t){let i=this._config?.mode??"overview",n=[{name:"mode",required:!0,selector:{select:{mode:"dropdown",options:le.map(s=>({value:s,label:t(`card.modes.${s}`)}))}}},{name:"range",selector:{select:{mode:"dropdown",options:ce.map(s=>({value:s,label:t(`range.${s}`)}))}}},{name:"title",selector:{text:{}}}];return i==="overview"?n.push({name:"top",selector:{number:{min:1,max:50,mode:"box"}}}):n.push({name:"integration_id",selector:{select:{mode:"dropdown",options:this._options}}}),n}render(){if(!this.hass||!this._config)return p``;let t=q(this.hass.locale?.language),i={mode:t("card.mode"),range:t("card.range"),title:t("card.title"),top:t("card.top"),integration_id:t("card.integration")};return p`<ha-form
      .hass=${this.hass}
      .data=${{mode:"overview",range:"7d",top:5,...this._config}}
      .schema=${this._schema(t)}
      .computeLabel=${n=>i[n.name]??n.name}
      @value-changed=${this._changed}
    ></ha-form>`}_changed(t){t.stopPropagation();let i={...t.detail.value};Object.keys(i).forEach(n=>{(i[n]===""||i[n]===void 0)&&delete i[n]}),this._config=i,this.dispatchEvent(new CustomEvent("config-changed",{detail:{config:i},bubbles:!0,composed:!0}))}};K.properties={hass:{attribute:!1},_config:{state:!0},_options:{state:!0}};customElements.get("integration-reliability-card")||customElements.define("integration-reliability-card",U);customElements.get("integration-reliability-card-editor")||customElements.define("integration-reliability-card-editor",K);var V=window;V.customCards=V.customCards??[];V.customCards.some(r=>r.type==="integration-reliability-card")||V.customCards.push({type:"integration-reliability-card",name:"Integration Reliability",description:"Most flaky integrations, a time-of-day heatmap or an outage timeline.",preview:!0});export{U as IntegrationReliabilityCard,K as IntegrationReliabilityCardEditor,dt as normalizeConfig};
