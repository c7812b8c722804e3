// Integration Reliability: built from frontend/ (npm run build). Do not edit.
var F=globalThis,D=F.ShadowRoot&&(F.ShadyCSS===void 0||F.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,K=Symbol(),ce=new WeakMap,C=class{constructor(t,e,i){if(this._$cssResult$=!0,i!==K)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=t,this.t=e}get styleSheet(){let t=this.o,e=this.t;if(D&&t===void 0){let i=e!==void 0&&e.length===1;i&&(t=ce.get(e)),t===void 0&&((this.o=t=new CSSStyleSheet).replaceSync(this.cssText),i&&ce.set(e,t))}return t}toString(){return this.cssText}},de=n=>new C(typeof n=="string"?n:n+"",void 0,K),M=(n,...t)=>{let e=n.length===1?n[0]:t.reduce((i,s,a)=>i+(r=>{if(r._$cssResult$===!0)return r.cssText;if(typeof r=="number")return r;throw Error("Value passed to 'css' function must be a 'css' function result: "+r+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(s)+n[a+1],n[0]);return new C(e,n,K)},he=(n,t)=>{if(D)n.adoptedStyleSheets=t.map(e=>e instanceof CSSStyleSheet?e:e.styleSheet);else for(let e of t){let i=document.createElement("style"),s=F.litNonce;s!==void 0&&i.setAttribute("nonce",s),i.textContent=e.cssText,n.appendChild(i)}},V=D?n=>n:n=>n instanceof CSSStyleSheet?(t=>{let e="";for(let i of t.cssRules)e+=i.cssText;return de(e)})(n):n;var{is:je,defineProperty:We,getOwnPropertyDescriptor:qe,getOwnPropertyNames:Ke,getOwnPropertySymbols:Ve,getPrototypeOf:Ge}=Object,B=globalThis,ue=B.trustedTypes,Je=ue?ue.emptyScript:"",Ze=B.reactiveElementPolyfillSupport,H=(n,t)=>n,G={toAttribute(n,t){switch(t){case Boolean:n=n?Je:null;break;case Object:case Array:n=n==null?n:JSON.stringify(n)}return n},fromAttribute(n,t){let e=n;switch(t){case Boolean:e=n!==null;break;case Number:e=n===null?null:Number(n);break;case Object:case Array:try{e=JSON.parse(n)}catch{e=null}}return e}},me=(n,t)=>!je(n,t),pe={attribute:!0,type:String,converter:G,reflect:!1,useDefault:!1,hasChanged:me};Symbol.metadata??=Symbol("metadata"),B.litPropertyMetadata??=new WeakMap;var v=class extends HTMLElement{static addInitializer(t){this._$Ei(),(this.l??=[]).push(t)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(t,e=pe){if(e.state&&(e.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(t)&&((e=Object.create(e)).wrapped=!0),this.elementProperties.set(t,e),!e.noAccessor){let i=Symbol(),s=this.getPropertyDescriptor(t,i,e);s!==void 0&&We(this.prototype,t,s)}}static getPropertyDescriptor(t,e,i){let{get:s,set:a}=qe(this.prototype,t)??{get(){return this[e]},set(r){this[e]=r}};return{get:s,set(r){let o=s?.call(this);a?.call(this,r),this.requestUpdate(t,o,i)},configurable:!0,enumerable:!0}}static getPropertyOptions(t){return this.elementProperties.get(t)??pe}static _$Ei(){if(this.hasOwnProperty(H("elementProperties")))return;let t=Ge(this);t.finalize(),t.l!==void 0&&(this.l=[...t.l]),this.elementProperties=new Map(t.elementProperties)}static finalize(){if(this.hasOwnProperty(H("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(H("properties"))){let e=this.properties,i=[...Ke(e),...Ve(e)];for(let s of i)this.createProperty(s,e[s])}let t=this[Symbol.metadata];if(t!==null){let e=litPropertyMetadata.get(t);if(e!==void 0)for(let[i,s]of e)this.elementProperties.set(i,s)}this._$Eh=new Map;for(let[e,i]of this.elementProperties){let s=this._$Eu(e,i);s!==void 0&&this._$Eh.set(s,e)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(t){let e=[];if(Array.isArray(t)){let i=new Set(t.flat(1/0).reverse());for(let s of i)e.unshift(V(s))}else t!==void 0&&e.push(V(t));return e}static _$Eu(t,e){let i=e.attribute;return i===!1?void 0:typeof i=="string"?i:typeof t=="string"?t.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(t=>this.enableUpdating=t),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(t=>t(this))}addController(t){(this._$EO??=new Set).add(t),this.renderRoot!==void 0&&this.isConnected&&t.hostConnected?.()}removeController(t){this._$EO?.delete(t)}_$E_(){let t=new Map,e=this.constructor.elementProperties;for(let i of e.keys())this.hasOwnProperty(i)&&(t.set(i,this[i]),delete this[i]);t.size>0&&(this._$Ep=t)}createRenderRoot(){let t=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return he(t,this.constructor.elementStyles),t}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(t=>t.hostConnected?.())}enableUpdating(t){}disconnectedCallback(){this._$EO?.forEach(t=>t.hostDisconnected?.())}attributeChangedCallback(t,e,i){this._$AK(t,i)}_$ET(t,e){let i=this.constructor.elementProperties.get(t),s=this.constructor._$Eu(t,i);if(s!==void 0&&i.reflect===!0){let a=(i.converter?.toAttribute!==void 0?i.converter:G).toAttribute(e,i.type);this._$Em=t,a==null?this.removeAttribute(s):this.setAttribute(s,a),this._$Em=null}}_$AK(t,e){let i=this.constructor,s=i._$Eh.get(t);if(s!==void 0&&this._$Em!==s){let a=i.getPropertyOptions(s),r=typeof a.converter=="function"?{fromAttribute:a.converter}:a.converter?.fromAttribute!==void 0?a.converter:G;this._$Em=s;let o=r.fromAttribute(e,a.type);this[s]=o??this._$Ej?.get(s)??o,this._$Em=null}}requestUpdate(t,e,i,s=!1,a){if(t!==void 0){let r=this.constructor;if(s===!1&&(a=this[t]),i??=r.getPropertyOptions(t),!((i.hasChanged??me)(a,e)||i.useDefault&&i.reflect&&a===this._$Ej?.get(t)&&!this.hasAttribute(r._$Eu(t,i))))return;this.C(t,e,i)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(t,e,{useDefault:i,reflect:s,wrapped:a},r){i&&!(this._$Ej??=new Map).has(t)&&(this._$Ej.set(t,r??e??this[t]),a!==!0||r!==void 0)||(this._$AL.has(t)||(this.hasUpdated||i||(e=void 0),this._$AL.set(t,e)),s===!0&&this._$Em!==t&&(this._$Eq??=new Set).add(t))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(e){Promise.reject(e)}let t=this.scheduleUpdate();return t!=null&&await t,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[s,a]of this._$Ep)this[s]=a;this._$Ep=void 0}let i=this.constructor.elementProperties;if(i.size>0)for(let[s,a]of i){let{wrapped:r}=a,o=this[s];r!==!0||this._$AL.has(s)||o===void 0||this.C(s,void 0,a,o)}}let t=!1,e=this._$AL;try{t=this.shouldUpdate(e),t?(this.willUpdate(e),this._$EO?.forEach(i=>i.hostUpdate?.()),this.update(e)):this._$EM()}catch(i){throw t=!1,this._$EM(),i}t&&this._$AE(e)}willUpdate(t){}_$AE(t){this._$EO?.forEach(e=>e.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(t)),this.updated(t)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(t){return!0}update(t){this._$Eq&&=this._$Eq.forEach(e=>this._$ET(e,this[e])),this._$EM()}updated(t){}firstUpdated(t){}};v.elementStyles=[],v.shadowRootOptions={mode:"open"},v[H("elementProperties")]=new Map,v[H("finalized")]=new Map,Ze?.({ReactiveElement:v}),(B.reactiveElementVersions??=[]).push("2.1.2");var te=globalThis,ge=n=>n,j=te.trustedTypes,_e=j?j.createPolicy("lit-html",{createHTML:n=>n}):void 0,we="$lit$",$=`lit$${Math.random().toFixed(9).slice(2)}$`,xe="?"+$,Xe=`<${xe}>`,x=document,P=()=>x.createComment(""),N=n=>n===null||typeof n!="object"&&typeof n!="function",ie=Array.isArray,Ye=n=>ie(n)||typeof n?.[Symbol.iterator]=="function",J=`[ 	
\f\r]`,O=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,ve=/-->/g,fe=/>/g,y=RegExp(`>|${J}(?:([^\\s"'>=/]+)(${J}*=${J}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),$e=/'/g,be=/"/g,ke=/^(?:script|style|textarea|title)$/i,se=n=>(t,...e)=>({_$litType$:n,strings:t,values:e}),c=se(1),S=se(2),_t=se(3),k=Symbol.for("lit-noChange"),u=Symbol.for("lit-nothing"),ye=new WeakMap,w=x.createTreeWalker(x,129);function Se(n,t){if(!ie(n)||!n.hasOwnProperty("raw"))throw Error("invalid template strings array");return _e!==void 0?_e.createHTML(t):t}var Qe=(n,t)=>{let e=n.length-1,i=[],s,a=t===2?"<svg>":t===3?"<math>":"",r=O;for(let o=0;o<e;o++){let l=n[o],d,h,p=-1,m=0;for(;m<l.length&&(r.lastIndex=m,h=r.exec(l),h!==null);)m=r.lastIndex,r===O?h[1]==="!--"?r=ve:h[1]!==void 0?r=fe:h[2]!==void 0?(ke.test(h[2])&&(s=RegExp("</"+h[2],"g")),r=y):h[3]!==void 0&&(r=y):r===y?h[0]===">"?(r=s??O,p=-1):h[1]===void 0?p=-2:(p=r.lastIndex-h[2].length,d=h[1],r=h[3]===void 0?y:h[3]==='"'?be:$e):r===be||r===$e?r=y:r===ve||r===fe?r=O:(r=y,s=void 0);let f=r===y&&n[o+1].startsWith("/>")?" ":"";a+=r===O?l+Xe:p>=0?(i.push(d),l.slice(0,p)+we+l.slice(p)+$+f):l+$+(p===-2?o:f)}return[Se(n,a+(n[e]||"<?>")+(t===2?"</svg>":t===3?"</math>":"")),i]},L=class n{constructor({strings:t,_$litType$:e},i){let s;this.parts=[];let a=0,r=0,o=t.length-1,l=this.parts,[d,h]=Qe(t,e);if(this.el=n.createElement(d,i),w.currentNode=this.el.content,e===2||e===3){let p=this.el.content.firstChild;p.replaceWith(...p.childNodes)}for(;(s=w.nextNode())!==null&&l.length<o;){if(s.nodeType===1){if(s.hasAttributes())for(let p of s.getAttributeNames())if(p.endsWith(we)){let m=h[r++],f=s.getAttribute(p).split($),U=/([.?@])?(.*)/.exec(m);l.push({type:1,index:a,name:U[2],strings:f,ctor:U[1]==="."?X:U[1]==="?"?Y:U[1]==="@"?Q:T}),s.removeAttribute(p)}else p.startsWith($)&&(l.push({type:6,index:a}),s.removeAttribute(p));if(ke.test(s.tagName)){let p=s.textContent.split($),m=p.length-1;if(m>0){s.textContent=j?j.emptyScript:"";for(let f=0;f<m;f++)s.append(p[f],P()),w.nextNode(),l.push({type:2,index:++a});s.append(p[m],P())}}}else if(s.nodeType===8)if(s.data===xe)l.push({type:2,index:a});else{let p=-1;for(;(p=s.data.indexOf($,p+1))!==-1;)l.push({type:7,index:a}),p+=$.length-1}a++}}static createElement(t,e){let i=x.createElement("template");return i.innerHTML=t,i}};function E(n,t,e=n,i){if(t===k)return t;let s=i!==void 0?e._$Co?.[i]:e._$Cl,a=N(t)?void 0:t._$litDirective$;return s?.constructor!==a&&(s?._$AO?.(!1),a===void 0?s=void 0:(s=new a(n),s._$AT(n,e,i)),i!==void 0?(e._$Co??=[])[i]=s:e._$Cl=s),s!==void 0&&(t=E(n,s._$AS(n,t.values),s,i)),t}var Z=class{constructor(t,e){this._$AV=[],this._$AN=void 0,this._$AD=t,this._$AM=e}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(t){let{el:{content:e},parts:i}=this._$AD,s=(t?.creationScope??x).importNode(e,!0);w.currentNode=s;let a=w.nextNode(),r=0,o=0,l=i[0];for(;l!==void 0;){if(r===l.index){let d;l.type===2?d=new z(a,a.nextSibling,this,t):l.type===1?d=new l.ctor(a,l.name,l.strings,this,t):l.type===6&&(d=new ee(a,this,t)),this._$AV.push(d),l=i[++o]}r!==l?.index&&(a=w.nextNode(),r++)}return w.currentNode=x,s}p(t){let e=0;for(let i of this._$AV)i!==void 0&&(i.strings!==void 0?(i._$AI(t,i,e),e+=i.strings.length-2):i._$AI(t[e])),e++}},z=class n{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(t,e,i,s){this.type=2,this._$AH=u,this._$AN=void 0,this._$AA=t,this._$AB=e,this._$AM=i,this.options=s,this._$Cv=s?.isConnected??!0}get parentNode(){let t=this._$AA.parentNode,e=this._$AM;return e!==void 0&&t?.nodeType===11&&(t=e.parentNode),t}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(t,e=this){t=E(this,t,e),N(t)?t===u||t==null||t===""?(this._$AH!==u&&this._$AR(),this._$AH=u):t!==this._$AH&&t!==k&&this._(t):t._$litType$!==void 0?this.$(t):t.nodeType!==void 0?this.T(t):Ye(t)?this.k(t):this._(t)}O(t){return this._$AA.parentNode.insertBefore(t,this._$AB)}T(t){this._$AH!==t&&(this._$AR(),this._$AH=this.O(t))}_(t){this._$AH!==u&&N(this._$AH)?this._$AA.nextSibling.data=t:this.T(x.createTextNode(t)),this._$AH=t}$(t){let{values:e,_$litType$:i}=t,s=typeof i=="number"?this._$AC(t):(i.el===void 0&&(i.el=L.createElement(Se(i.h,i.h[0]),this.options)),i);if(this._$AH?._$AD===s)this._$AH.p(e);else{let a=new Z(s,this),r=a.u(this.options);a.p(e),this.T(r),this._$AH=a}}_$AC(t){let e=ye.get(t.strings);return e===void 0&&ye.set(t.strings,e=new L(t)),e}k(t){ie(this._$AH)||(this._$AH=[],this._$AR());let e=this._$AH,i,s=0;for(let a of t)s===e.length?e.push(i=new n(this.O(P()),this.O(P()),this,this.options)):i=e[s],i._$AI(a),s++;s<e.length&&(this._$AR(i&&i._$AB.nextSibling,s),e.length=s)}_$AR(t=this._$AA.nextSibling,e){for(this._$AP?.(!1,!0,e);t!==this._$AB;){let i=ge(t).nextSibling;ge(t).remove(),t=i}}setConnected(t){this._$AM===void 0&&(this._$Cv=t,this._$AP?.(t))}},T=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(t,e,i,s,a){this.type=1,this._$AH=u,this._$AN=void 0,this.element=t,this.name=e,this._$AM=s,this.options=a,i.length>2||i[0]!==""||i[1]!==""?(this._$AH=Array(i.length-1).fill(new String),this.strings=i):this._$AH=u}_$AI(t,e=this,i,s){let a=this.strings,r=!1;if(a===void 0)t=E(this,t,e,0),r=!N(t)||t!==this._$AH&&t!==k,r&&(this._$AH=t);else{let o=t,l,d;for(t=a[0],l=0;l<a.length-1;l++)d=E(this,o[i+l],e,l),d===k&&(d=this._$AH[l]),r||=!N(d)||d!==this._$AH[l],d===u?t=u:t!==u&&(t+=(d??"")+a[l+1]),this._$AH[l]=d}r&&!s&&this.j(t)}j(t){t===u?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,t??"")}},X=class extends T{constructor(){super(...arguments),this.type=3}j(t){this.element[this.name]=t===u?void 0:t}},Y=class extends T{constructor(){super(...arguments),this.type=4}j(t){this.element.toggleAttribute(this.name,!!t&&t!==u)}},Q=class extends T{constructor(t,e,i,s,a){super(t,e,i,s,a),this.type=5}_$AI(t,e=this){if((t=E(this,t,e,0)??u)===k)return;let i=this._$AH,s=t===u&&i!==u||t.capture!==i.capture||t.once!==i.once||t.passive!==i.passive,a=t!==u&&(i===u||s);s&&this.element.removeEventListener(this.name,this,i),a&&this.element.addEventListener(this.name,this,t),this._$AH=t}handleEvent(t){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,t):this._$AH.handleEvent(t)}},ee=class{constructor(t,e,i){this.element=t,this.type=6,this._$AN=void 0,this._$AM=e,this.options=i}get _$AU(){return this._$AM._$AU}_$AI(t){E(this,t)}};var et=te.litHtmlPolyfillSupport;et?.(L,z),(te.litHtmlVersions??=[]).push("3.3.3");var Ae=(n,t,e)=>{let i=e?.renderBefore??t,s=i._$litPart$;if(s===void 0){let a=e?.renderBefore??null;i._$litPart$=s=new z(t.insertBefore(P(),a),a,void 0,e??{})}return s._$AI(n),s};var ne=globalThis,b=class extends v{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let t=super.createRenderRoot();return this.renderOptions.renderBefore??=t.firstChild,t}update(t){let e=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(t),this._$Do=Ae(e,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return k}};b._$litElement$=!0,b.finalized=!0,ne.litElementHydrateSupport?.({LitElement:b});var tt=ne.litElementPolyfillSupport;tt?.({LitElement:b});(ne.litElementVersions??=[]).push("4.2.2");var _="integration_reliability";function W(n){return n.locale.time_zone==="local"?Intl.DateTimeFormat().resolvedOptions().timeZone:n.config.time_zone}function A(n,t){let e={range:t.range,time_zone:W(n)};return t.range==="custom"&&(t.start&&(e.start=t.start),t.end&&(e.end=t.end)),e}var g={overview:(n,t)=>n.callWS({type:`${_}/overview`,...A(n,t)}),integration:(n,t,e)=>n.callWS({type:`${_}/integration`,integration_id:t,...A(n,e)}),timeline:(n,t,e)=>n.callWS({type:`${_}/timeline`,integration_id:t,...A(n,e)}),heatmap:(n,t,e)=>n.callWS({type:`${_}/heatmap`,...t?{integration_id:t}:{},...A(n,e)}),correlation:(n,t,e)=>n.callWS({type:`${_}/correlation`,integration_id:t,...A(n,e)}),spells:(n,t,e)=>n.callWS({type:`${_}/spells`,integration_id:t,...A(n,e)}),events:(n,t,e,i)=>n.callWS({type:`${_}/events`,integration_id:t,limit:50,...i.eventType?{event_types:[i.eventType]}:{},...i.entityId?{entity_id:i.entityId}:{},...i.cursor?{cursor:i.cursor}:{},...A(n,e)}),engine:n=>n.callWS({type:`${_}/engine`,time_zone:W(n)}),heal:(n,t)=>n.callWS({type:`${_}/heal`,integration_id:t}),subscribe:(n,t)=>n.connection.subscribeMessage(()=>t(),{type:`${_}/subscribe`})};function R(n){return n&&typeof n=="object"&&"message"in n?String(n.message):String(n)}var Te={key:"availability",descending:!1},it=new Set(["setup_error","setup_retry"]),st={setup_error:0,setup_retry:1,outage:2,degraded:3,not_loaded:4,ok:5};function Ee(n,t){switch(t){case"name":return n.name.toLocaleLowerCase();case"status":return st[n.status]??9;case"availability_24h":return n.windows["24h"];case"availability_7d":return n.windows["7d"];case"availability_30d":return n.windows["30d"];case"availability":return n.availability??(it.has(n.status)?0:null);case"outages":return n.unavailable_events;case"unavailable":return n.unavailable_seconds;case"mttr":return n.mttr_seconds;case"mtbf":return n.mtbf_seconds;case"heals":return n.heal_attempts;case"success_rate":return n.success_rate}}function Re(n,t){let e=t.descending?-1:1;return[...n].sort((i,s)=>{let a=Ee(i,t.key),r=Ee(s,t.key);if(a===null&&r!==null)return 1;if(r===null&&a!==null)return-1;if(a!==null&&r!==null&&a!==r)return(a<r?-1:1)*e;let o=i.unavailable_seconds??0,l=s.unavailable_seconds??0;return o!==l?l-o:i.name.localeCompare(s.name)})}function Ce(n,t){let e=t.toLocaleLowerCase().split(/\s+/).filter(Boolean);return e.length?n.filter(i=>{let s=`${i.name} ${i.integration_domain} ${i.integration_id}`.toLocaleLowerCase();return e.every(a=>s.includes(a))}):[...n]}function Me(n,t){return n<=0||t<=0?0:Math.max(1,Math.min(4,Math.ceil(n/t*4)))}function He(n,t,e,i){let s=Math.max(1,e-t),a=new Map;for(let o of n){let l=o.entity_id??"—",d=a.get(l);d||(d={entity:l,bars:[]},a.set(l,d));let h=Math.max(t,o.start),p=Math.min(e,o.end??e),m=(h-t)/s*i;d.bars.push({x:m,width:Math.max(1,(p-h)/s*i),outage:o})}let r=o=>o.bars.reduce((l,d)=>l+d.outage.duration_s,0);return[...a.values()].sort((o,l)=>r(l)-r(o)||o.entity.localeCompare(l.entity))}function Oe(n,t,e,i=0){if(!n.length)return"";let s=n.length>1?t/(n.length-1):0,a=l=>e-(l-i)/(1-i||1)*e,r="",o=!1;return n.forEach((l,d)=>{if(l===null){o=!1;return}let h=(d*s).toFixed(1),p=a(Math.max(i,l)).toFixed(1);r+=`${o?"L":"M"}${h} ${p}`,o=!0}),r}function ae(n){let t=n.filter(i=>i!==null);if(!t.length)return .9;let e=Math.min(...t);for(let i of[.99,.95,.9,.75,.5])if(e>=i)return i;return 0}function Pe(n,t){return n.map(e=>({point:e,level:e.availability===null?"none":e.availability>=.999?"good":e.availability>=.99?"fair":"bad",height:e.availability===null?0:Math.max(.02,(Math.max(t,e.availability)-t)/(1-t||1))}))}function Ne(n,t){let s=ae(n);return c`<svg
    class="sparkline"
    viewBox="0 0 ${96} ${24}"
    width=${96}
    height=${24}
    role="img"
    aria-label=${t}
    preserveAspectRatio="none"
  >
    ${S`<path d=${Oe(n,96,22,s)} />`}
  </svg>`}function re(n,t,e){let i=ae(n.map(l=>l.availability)),s=600,a=80,r=s/Math.max(1,n.length),o=Pe(n,i);return c`<figure class="chart">
    <svg
      class="bars"
      viewBox="0 0 ${s} ${a+14}"
      role="img"
      aria-label=${e}
      preserveAspectRatio="none"
    >
      ${o.map((l,d)=>S`<rect
          class="bar ${l.level}${l.point.partial?" partial":""}"
          x=${(d*r+r*.1).toFixed(2)}
          y=${(a-l.height*a).toFixed(2)}
          width=${(r*.8).toFixed(2)}
          height=${(l.height*a).toFixed(2)}
        ><title>${t(l.point)}</title></rect>`)}
      ${S`<line class="axis" x1="0" x2=${s} y1=${a} y2=${a} />`}
    </svg>
    <figcaption class="axis-labels">
      <span>${(i*100).toFixed(0)} %</span><span>100 %</span>
    </figcaption>
  </figure>`}function Le(n,t,e,i=!1){let s=Math.max(0,...n.grid.flat()),a=Array.from({length:24},(r,o)=>o);return c`<div class="heatmap${i?" compact":""}" role="grid" aria-label=${e("integration.heatmap")}>
    <div class="heat-row heat-head" role="row">
      <span class="heat-day" role="columnheader"></span>
      ${a.map(r=>c`<span class="heat-hour" role="columnheader">${r%3===0?String(r).padStart(2,"0"):""}</span>`)}
    </div>
    ${n.grid.map((r,o)=>c`<div class="heat-row" role="row">
        <span class="heat-day" role="rowheader">${t[o]}</span>
        ${r.map((l,d)=>c`<span
            class="heat-cell level-${Me(l,s)}"
            role="gridcell"
            tabindex="0"
            data-day=${o}
            data-hour=${d}
            data-count=${l}
            title="${t[o]} ${String(d).padStart(2,"0")}:00 · ${l}"
            aria-label="${t[o]} ${String(d).padStart(2,"0")}:00: ${l}"
          ></span>`)}
      </div>`)}
    ${n.peak_hour!==null&&n.peak_share!==null?c`<p class="heat-peak">
          ${e("integration.heatmap_peak",{share:`${Math.round(n.peak_share*100)} %`,from:`${String(n.peak_hour).padStart(2,"0")}:00`,to:`${String((n.peak_hour+1)%24).padStart(2,"0")}:00`})}
        </p>`:u}
  </div>`}var nt={reload:"reload",heal_attempt:"heal",heal_success:"heal ok",heal_failure:"heal bad",setup_failure:"setup",setup_retry:"setup"};function ze(n,t,e,i=30){let r=He(n.outages,n.start,n.end,600).slice(0,i),o=Math.max(1,r.length)*14+18,l=Math.max(1,n.end-n.start),d=h=>(h.timestamp-n.start)/l*600;return c`<div class="timeline">
    <div class="lane-labels">
      ${r.map(h=>c`<span class="lane-label" title=${h.entity}>${h.entity}</span>`)}
    </div>
    <svg
      class="timeline-chart"
      viewBox="0 0 ${600} ${o}"
      preserveAspectRatio="none"
      role="img"
      aria-label=${e("integration.timeline")}
    >
      ${r.map((h,p)=>h.bars.map(m=>S`<rect class="outage${m.outage.end===null?" open":""}"
            x=${m.x.toFixed(2)} y=${p*14+2} width=${m.width.toFixed(2)} height=${10}
          ><title>${h.entity}: ${t.dateTime(m.outage.start)} · ${t.duration(m.outage.duration_s)}${m.outage.end===null?` (${e("integration.open")})`:""}</title></rect>`))}
      ${n.markers.map(h=>S`<line class="marker ${nt[h.event_type]??""}"
          x1=${d(h).toFixed(2)} x2=${d(h).toFixed(2)} y1="0" y2=${o-16}
        ><title>${e(`event.${h.event_type}`)} · ${t.dateTime(h.timestamp)}</title></line>`)}
      ${S`<line class="axis" x1="0" x2=${600} y1=${o-16} y2=${o-16} />`}
    </svg>
    <div class="timeline-axis"><span>${t.dateTime(n.start)}</span><span>${t.dateTime(n.end)}</span></div>
  </div>`}function oe(n,t){let e=new Map,i=new Intl.NumberFormat(n),s=new Intl.DateTimeFormat(n,{timeZone:t,year:"numeric",month:"short",day:"numeric",hour:"2-digit",minute:"2-digit"}),a=new Intl.DateTimeFormat(n,{timeZone:t,month:"short",day:"numeric"}),r=new Intl.DateTimeFormat(n,{timeZone:t,hour:"2-digit",minute:"2-digit"});return{percent(o,l=1){if(o==null)return"—";let d=e.get(l);d||(d=new Intl.NumberFormat(n,{style:"percent",minimumFractionDigits:l,maximumFractionDigits:l}),e.set(l,d));let h=10**(l+2);return d.format(Math.floor(o*h)/h)},number:o=>o==null?"—":i.format(o),duration:o=>at(o,n),dateTime:o=>o==null?"—":s.format(o*1e3),date:o=>a.format(o*1e3),hour:o=>r.format(o*1e3),bytes:o=>rt(o,n)}}function at(n,t="en"){if(n==null||!Number.isFinite(n))return"—";let e=[["d",86400],["h",3600],["min",60],["s",1]],i=Math.max(0,Math.round(n)),s=e.map(([l,d])=>{let h=Math.floor(i/d);return i-=h*d,[l,h]}),a=s.findIndex(([,l])=>l>0);if(a<0)return"0 s";let r=new Intl.NumberFormat(t),o=[s[a]];return a+1<s.length&&s[a+1][1]>0&&o.push(s[a+1]),o.map(([l,d])=>`${r.format(d)} ${l}`).join(" ")}function rt(n,t="en"){if(n==null)return"—";let e=["B","kB","MB","GB","TB"],i=n,s=0;for(;i>=1e3&&s<e.length-1;)i/=1e3,s+=1;return`${new Intl.NumberFormat(t,{maximumFractionDigits:s===0?0:1}).format(i)} ${e[s]}`}var Ie={title:"Reliability",tabs:{overview:"Overview",engine:"Engine"},range:{label:"Range","24h":"Last 24 hours","7d":"Last 7 days","30d":"Last 30 days","90d":"Last 90 days","1y":"Last year",custom:"Custom",start:"From",end:"To",apply:"Apply"},status:{ok:"OK",outage:"Outage",setup_retry:"Retrying setup",setup_error:"Setup failed",not_loaded:"Not loaded",degraded:"Degraded"},overview:{search:"Search integrations",integrations:"Integrations",availability:"Availability",outages:"Outages",unavailable:"Unavailable time",problems_now:"Problems now",open_outages:"Entities down now",heals:"Heals",heal_rate:"Heal success",empty:"Nothing recorded yet. Outages appear here as soon as an entity of a monitored integration goes unavailable.",no_match:"No integration matches “{query}”.",columns:{name:"Integration",status:"Status",availability_24h:"24 h",availability_7d:"7 d",availability_30d:"30 d",availability:"Range",outages:"Outages",unavailable:"Unavailable",mttr:"MTTR",mtbf:"MTBF",heals:"Heals",success_rate:"Heal success",trend:"Daily availability"},sorted_by:"Sorted by {column}"},integration:{back:"Back to the overview",heal:"Heal",healing:"Healing…",heal_done:"Heal {outcome}: {recovered} of {affected} entities back",status_since:"since {time}",timeline:"Outage timeline",timeline_empty:"No outage in this range.",timeline_truncated:"Only the newest {count} outages are shown.",markers:"Heals and reloads",availability_days:"Availability, last 90 days",availability_hours:"Availability, last 48 hours",heatmap:"When outages start (weekday × hour)",heatmap_peak:"{share} of outages start between {from} and {to}",together:"Failing together with",together_empty:"No integration fails together with this one more often than chance.",lift:"Lift",support:"Together",confidence:"Confidence",spells:"Failure spells",spells_empty:"No failed setup in this range.",events:"Events",events_empty:"No event matches.",more:"Older events",filter_type:"Event type",filter_entity:"Entity",all_types:"All types",open:"still down",not_found:"This integration is not monitored."},spell:{start:"Started",end:"Ended",state:"State",reason:"Reason",attempts:"Attempts",outcome:"Outcome"},event:{time:"Time",type:"Type",entity:"Entity",details:"Details",unavailable:"Unavailable",recovered:"Recovered",blip:"Blip",setup_failure:"Setup failure",setup_retry:"Setup retry",reload:"Reload",heal_attempt:"Heal attempt",heal_success:"Heal success",heal_failure:"Heal failure"},engine:{database:"Database",backend:"Engine",size:"Size",growth:"Growth",per_day:"{value} per day",events_per_day:"Events per day",queue:"Write queue",dropped:"Dropped records",committed:"Committed since start",last_commit:"Last commit",schema:"Schema version",daily_events:"Events recorded per day",jobs:"Recent processing jobs",job_type:"Job",job_range:"Range",job_status:"Status",job_rows:"Rows",job_took:"Took"},days:["Mon","Tue","Wed","Thu","Fri","Sat","Sun"],common:{loading:"Loading…",error:"Could not load: {message}",not_loaded:"Integration Reliability is not loaded.",none:"—",admin_only:"Only administrators can heal."},card:{mode:"Mode",modes:{overview:"Most flaky integrations",heatmap:"Time-of-day heatmap",timeline:"Outage timeline"},integration:"Integration",all:"All integrations",top:"How many",title:"Title",range:"Range",pick_integration:"Pick an integration in the card's settings.",open_panel:"Open the Reliability panel"}};var q={en:Ie};function Ue(n,t){let e=n;for(let i of t.split(".")){if(e===void 0||typeof e=="string"||Array.isArray(e))return;e=e[i]}return typeof e=="string"||Array.isArray(e)?e:void 0}function le(n){let t=[n,n?.split("-")[0],"en"].filter(e=>!!e&&e in q).map(e=>q[e]);return(e,i)=>{let s;for(let a of t){let r=Ue(a,e);if(typeof r=="string"){s=r;break}}return s===void 0?e:s.replace(/\{(\w+)\}/g,(a,r)=>i&&r in i?String(i[r]):a)}}function Fe(n,t){for(let e of[n,n?.split("-")[0],"en"])if(e&&e in q){let i=Ue(q[e],t);if(Array.isArray(i))return i}return[]}function De(n){let t=n.split("/").filter(Boolean);return t[0]==="integration"&&t[1]?{kind:"integration",id:decodeURIComponent(t[1])}:t[0]==="engine"?{kind:"engine"}:{kind:"overview"}}var Be=M`
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
`;var lt=["24h","7d","30d","90d","1y","custom"],ct=["unavailable","recovered","blip","setup_failure","setup_retry","reload","heal_attempt","heal_success","heal_failure"],dt=2e3,ht=[{key:"name",label:"overview.columns.name",numeric:!1},{key:"status",label:"overview.columns.status",numeric:!1},{key:"availability_24h",label:"overview.columns.availability_24h",numeric:!0},{key:"availability_7d",label:"overview.columns.availability_7d",numeric:!0},{key:"availability_30d",label:"overview.columns.availability_30d",numeric:!0},{key:"availability",label:"overview.columns.availability",numeric:!0},{key:"outages",label:"overview.columns.outages",numeric:!0},{key:"unavailable",label:"overview.columns.unavailable",numeric:!0},{key:"mttr",label:"overview.columns.mttr",numeric:!0},{key:"mtbf",label:"overview.columns.mtbf",numeric:!0},{key:"heals",label:"overview.columns.heals",numeric:!0},{key:"success_rate",label:"overview.columns.success_rate",numeric:!0}],I=class extends b{constructor(){super(...arguments);this.narrow=!1;this._range={range:"30d"};this._events=[];this._nextCursor=null;this._eventType="";this._entityFilter="";this._loading=!1;this._query="";this._sort=Te;this._healing=!1;this._loadedKey="";this._customStart="";this._customEnd="";this._localize=le("en");this._fmt=oe("en","UTC");this._days=[]}get _view(){return De(this.route?.path??"")}connectedCallback(){super.connectedCallback(),this._subscribe()}disconnectedCallback(){super.disconnectedCallback(),this._unsubscribe?.then(e=>e()).catch(()=>{}),this._unsubscribe=void 0,clearTimeout(this._refreshTimer)}_subscribe(){!this.hass||this._unsubscribe||!this.isConnected||(this._unsubscribe=g.subscribe(this.hass,()=>{clearTimeout(this._refreshTimer),this._refreshTimer=setTimeout(()=>this._load(!0),dt)}),this._unsubscribe.catch(()=>this._unsubscribe=void 0))}willUpdate(e){if(e.has("hass")&&this.hass){let s=this.hass.locale?.language??this.hass.language??"en",a=W(this.hass);this._localize=le(s),this._fmt=oe(s,a),this._days=Fe(s,"days"),this._subscribe()}let i=`${JSON.stringify(this._view)}|${JSON.stringify(this._range)}`;this.hass&&i!==this._loadedKey&&(this._loadedKey=i,this._load(!1))}async _load(e){let i=this.hass;if(!i)return;let s=this._view,a=this._range;e||(this._loading=!0,this._error=void 0);try{if(s.kind==="overview")this._overview=await g.overview(i,a);else if(s.kind==="integration"){e||(this._detail=void 0,this._timeline=void 0,this._heatmap=void 0,this._partners=void 0,this._spells=void 0,this._healResult=void 0);let[r,o,l,d,h]=await Promise.all([g.integration(i,s.id,a),g.timeline(i,s.id,a),g.heatmap(i,s.id,a),g.correlation(i,s.id,a),g.spells(i,s.id,a)]);this._detail=r,this._timeline=o,this._heatmap=l,this._partners=d.partners,this._spells=h.spells,await this._loadEvents(!0)}else this._engine=await g.engine(i)}catch(r){this._error=R(r)}finally{this._loading=!1}}async _loadEvents(e){let i=this._view;if(!this.hass||i.kind!=="integration")return;let s=await g.events(this.hass,i.id,this._range,{eventType:this._eventType,entityId:this._entityFilter,cursor:e?null:this._nextCursor});this._events=e?s.events:[...this._events,...s.events],this._nextCursor=s.next_cursor}_navigate(e){let i=`${this.route?.prefix??"/integration-reliability"}${e}`;history.pushState(null,"",i),window.dispatchEvent(new CustomEvent("location-changed",{detail:{replace:!1}}))}_toggleMenu(){this.dispatchEvent(new CustomEvent("hass-toggle-menu",{bubbles:!0,composed:!0}))}render(){let e=this._localize,i=this._view;return c`
      <header class="toolbar">
        ${this.narrow?c`<button class="menu" aria-label="Menu" @click=${this._toggleMenu}>☰</button>`:u}
        <h1>${e("title")}</h1>
        <nav class="tabs" aria-label=${e("title")}>
          <button
            class="tab ${i.kind!=="engine"?"active":""}"
            aria-current=${i.kind!=="engine"?"page":"false"}
            @click=${()=>this._navigate("")}
          >
            ${e("tabs.overview")}
          </button>
          <button
            class="tab ${i.kind==="engine"?"active":""}"
            aria-current=${i.kind==="engine"?"page":"false"}
            @click=${()=>this._navigate("/engine")}
          >
            ${e("tabs.engine")}
          </button>
        </nav>
      </header>
      <main>
        ${i.kind!=="engine"?this._renderRange():u}
        ${this._error?c`<div class="card error" role="alert">${e("common.error",{message:this._error})}</div>`:u}
        ${i.kind==="overview"?this._renderOverview():i.kind==="integration"?this._renderIntegration():this._renderEngine()}
      </main>
    `}_renderRange(){let e=this._localize;return c`<div class="range">
      <label>
        <span>${e("range.label")}</span>
        <select
          class="range-select"
          .value=${this._range.range}
          @change=${i=>{let s=i.target.value;s!=="custom"?this._range={range:s}:this._range={range:s,start:this._customStart||void 0,end:this._customEnd||void 0}}}
        >
          ${lt.map(i=>c`<option value=${i} ?selected=${i===this._range.range}>${e(`range.${i}`)}</option>`)}
        </select>
      </label>
      ${this._range.range==="custom"?c`<label><span>${e("range.start")}</span
            ><input
              type="datetime-local"
              .value=${this._customStart}
              @change=${i=>this._customStart=i.target.value}
          /></label>
          <label><span>${e("range.end")}</span
            ><input
              type="datetime-local"
              .value=${this._customEnd}
              @change=${i=>this._customEnd=i.target.value}
          /></label>
          <button
            @click=${()=>this._range={range:"custom",start:this._customStart||void 0,end:this._customEnd||void 0}}
          >
            ${e("range.apply")}
          </button>`:u}
    </div>`}_loadingOr(e){return!e&&this._loading?c`<div class="card muted" aria-busy="true">${this._localize("common.loading")}</div>`:u}_renderOverview(){let e=this._localize,i=this._fmt,s=this._overview;if(!s)return c`${this._loadingOr(s)}`;let a=Re(Ce(s.integrations,this._query),this._sort),r=s.totals;return c`
      <section class="totals" aria-label=${e("overview.integrations")}>
        ${this._tile(e("overview.integrations"),i.number(r.integrations))}
        ${this._tile(e("overview.availability"),i.percent(r.availability,2))}
        ${this._tile(e("overview.outages"),i.number(r.outages))}
        ${this._tile(e("overview.unavailable"),i.duration(r.unavailable_seconds))}
        ${this._tile(e("overview.problems_now"),i.number(r.problems_now),r.problems_now>0)}
        ${this._tile(e("overview.open_outages"),i.number(r.open_outages),r.open_outages>0)}
        ${this._tile(e("overview.heals"),i.number(r.heal_attempts))}
        ${this._tile(e("overview.heal_rate"),i.percent(r.success_rate,0))}
      </section>
      <div class="card">
        <input
          class="search"
          type="search"
          placeholder=${e("overview.search")}
          aria-label=${e("overview.search")}
          .value=${this._query}
          @input=${o=>this._query=o.target.value}
        />
        ${s.integrations.length===0?c`<p class="muted empty">${e("overview.empty")}</p>`:a.length===0?c`<p class="muted">${e("overview.no_match",{query:this._query})}</p>`:c`<div class="scroll">
                <table class="overview-table">
                  <thead>
                    <tr>
                      ${ht.map(o=>this._header(o))}
                      <th>${e("overview.columns.trend")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${a.map(o=>this._row(o))}
                  </tbody>
                </table>
              </div>`}
      </div>
    `}_tile(e,i,s=!1){return c`<div class="tile card${s?" alert":""}">
      <div class="tile-value">${i}</div>
      <div class="tile-label muted">${e}</div>
    </div>`}_header(e){let i=this._sort.key===e.key,s=i?this._sort.descending?"descending":"ascending":"none";return c`<th class=${e.numeric?"num":""} aria-sort=${s}>
      <button
        class="sort"
        @click=${()=>this._sort={key:e.key,descending:i?!this._sort.descending:e.key==="outages"||e.key==="unavailable"}}
      >
        ${this._localize(e.label)}${i?this._sort.descending?" ▼":" ▲":""}
      </button>
    </th>`}_row(e){let i=this._fmt,s=this._localize,a=()=>this._navigate(`/integration/${encodeURIComponent(e.integration_id)}`);return c`<tr
      class="integration-row"
      data-integration=${e.integration_id}
      tabindex="0"
      @click=${a}
      @keydown=${r=>{(r.key==="Enter"||r.key===" ")&&(r.preventDefault(),a())}}
    >
      <td class="name">
        <span class="integration-name">${e.name}</span>
        <span class="muted domain">${e.integration_domain}</span>
      </td>
      <td><span class="status ${e.status}">${s(`status.${e.status}`)}</span></td>
      <td class="num">${i.percent(e.windows["24h"])}</td>
      <td class="num">${i.percent(e.windows["7d"])}</td>
      <td class="num">${i.percent(e.windows["30d"])}</td>
      <td class="num availability">${i.percent(e.availability,2)}</td>
      <td class="num">${i.number(e.unavailable_events)}</td>
      <td class="num">${i.duration(e.unavailable_seconds)}</td>
      <td class="num">${i.duration(e.mttr_seconds)}</td>
      <td class="num">${i.duration(e.mtbf_seconds)}</td>
      <td class="num">${i.number(e.heal_attempts)}</td>
      <td class="num">${i.percent(e.success_rate,0)}</td>
      <td>${Ne(e.sparkline,s("overview.columns.trend"))}</td>
    </tr>`}_renderIntegration(){let e=this._localize,i=this._fmt,s=this._detail,a=c`<button class="back" @click=${()=>this._navigate("")}>← ${e("integration.back")}</button>`;if(!s)return c`${a}${this._loadingOr(s)}`;let r=s.metrics,o=!!this.hass?.user?.is_admin;return c`
      ${a}
      <section class="card head">
        <div class="title-line">
          <h2 class="integration-title">${s.name}</h2>
          <span class="status ${s.status}">${e(`status.${s.status}`)}</span>
          ${s.since?c`<span class="muted">${e("integration.status_since",{time:i.dateTime(s.since)})}</span>`:u}
          <span class="spacer"></span>
          ${s.can_heal?c`<button
                class="primary heal"
                ?disabled=${!o||this._healing}
                title=${o?"":e("common.admin_only")}
                @click=${this._heal}
              >
                ${this._healing?e("integration.healing"):e("integration.heal")}
              </button>`:u}
        </div>
        ${s.reason?c`<p class="muted">${s.reason}</p>`:u}
        ${this._healResult?c`<p role="status">${this._healResult}</p>`:u}
        <div class="figures">
          ${this._figure(e("overview.columns.availability"),i.percent(r?.availability??null,2))}
          ${this._figure(e("overview.outages"),i.number(r?.unavailable_events??0))}
          ${this._figure(e("overview.unavailable"),i.duration(r?.unavailable_seconds??0))}
          ${this._figure(e("overview.columns.mttr"),i.duration(r?.mttr_seconds))}
          ${this._figure(e("overview.columns.mtbf"),i.duration(r?.mtbf_seconds))}
          ${this._figure(e("overview.heals"),i.number(r?.heal_attempts??0))}
          ${this._figure(e("overview.heal_rate"),i.percent(r?.success_rate??null,0))}
        </div>
      </section>
      <section class="card">
        <h2>${e("integration.timeline")}</h2>
        ${this._timeline?this._timeline.outages.length||this._timeline.markers.length?c`${ze(this._timeline,i,e)}
              ${this._timeline.truncated?c`<p class="muted">${e("integration.timeline_truncated",{count:this._timeline.outages.length})}</p>`:u}`:c`<p class="muted">${e("integration.timeline_empty")}</p>`:u}
      </section>
      <div class="two">
        <section class="card">
          <h2>${e("integration.availability_days")}</h2>
          ${re(s.days,l=>this._pointLabel(l,!1),e("integration.availability_days"))}
        </section>
        <section class="card">
          <h2>${e("integration.availability_hours")}</h2>
          ${re(s.hours,l=>this._pointLabel(l,!0),e("integration.availability_hours"))}
        </section>
      </div>
      <div class="two">
        <section class="card">
          <h2>${e("integration.heatmap")}</h2>
          ${this._heatmap?Le(this._heatmap,this._days,e):u}
        </section>
        <section class="card">
          <h2>${e("integration.together")}</h2>
          ${this._renderPartners()}
        </section>
      </div>
      <section class="card">
        <h2>${e("integration.spells")}</h2>
        ${this._renderSpells()}
      </section>
      <section class="card">
        <h2>${e("integration.events")}</h2>
        ${this._renderEvents()}
      </section>
    `}_figure(e,i){return c`<div class="figure"><div class="tile-value">${i}</div><div class="muted">${e}</div></div>`}_pointLabel(e,i){return`${i?`${this._fmt.date(e.start)} ${this._fmt.hour(e.start)}`:this._fmt.date(e.start)}: ${this._fmt.percent(e.availability,2)} · ${this._fmt.number(e.outages)} ${this._localize("overview.outages")}`}_renderPartners(){let e=this._localize;return this._partners?this._partners.length?c`<div class="scroll"><table class="partners">
      <thead><tr><th>${e("overview.columns.name")}</th><th class="num">${e("integration.lift")}</th>
      <th class="num">${e("integration.support")}</th><th class="num">${e("integration.confidence")}</th></tr></thead>
      <tbody>${this._partners.map(i=>c`<tr>
          <td><button class="link" @click=${()=>this._navigate(`/integration/${encodeURIComponent(i.integration_id)}`)}>${i.name}</button></td>
          <td class="num">${this._fmt.number(Math.round(i.lift*10)/10)}×</td>
          <td class="num">${this._fmt.number(i.support)}</td>
          <td class="num">${this._fmt.percent(i.confidence,0)}</td>
        </tr>`)}</tbody></table></div>`:c`<p class="muted">${e("integration.together_empty")}</p>`:c``}_renderSpells(){let e=this._localize,i=this._fmt;return this._spells?this._spells.length?c`<div class="scroll"><table class="spells">
      <thead><tr><th>${e("spell.start")}</th><th>${e("spell.end")}</th><th>${e("spell.state")}</th>
      <th>${e("spell.reason")}</th><th class="num">${e("spell.attempts")}</th><th>${e("spell.outcome")}</th></tr></thead>
      <tbody>${this._spells.map(s=>c`<tr>
          <td>${i.dateTime(s.start)}</td>
          <td>${s.end?i.dateTime(s.end):e("integration.open")}</td>
          <td>${s.state??e(`event.${s.event_type}`)}</td>
          <td class="wrap">${s.reason??e("common.none")}</td>
          <td class="num">${i.number(s.attempts)}</td>
          <td>${s.outcome??e("common.none")}</td>
        </tr>`)}</tbody></table></div>`:c`<p class="muted">${e("integration.spells_empty")}</p>`:c``}_renderEvents(){let e=this._localize,i=this._fmt,s=this._timeline?.entities??[];return c`
      <div class="filters">
        <label><span>${e("integration.filter_type")}</span>
          <select class="event-type" @change=${a=>{this._eventType=a.target.value,this._loadEvents(!0).catch(r=>this._error=R(r))}}>
            <option value="">${e("integration.all_types")}</option>
            ${ct.map(a=>c`<option value=${a} ?selected=${a===this._eventType}>${e(`event.${a}`)}</option>`)}
          </select>
        </label>
        <label><span>${e("integration.filter_entity")}</span>
          <select class="event-entity" @change=${a=>{this._entityFilter=a.target.value,this._loadEvents(!0).catch(r=>this._error=R(r))}}>
            <option value="">—</option>
            ${s.map(a=>c`<option value=${a} ?selected=${a===this._entityFilter}>${a}</option>`)}
          </select>
        </label>
      </div>
      ${this._events.length?c`<div class="scroll"><table class="events">
            <thead><tr><th>${e("event.time")}</th><th>${e("event.type")}</th><th>${e("event.entity")}</th><th>${e("event.details")}</th></tr></thead>
            <tbody>${this._events.map(a=>c`<tr>
                <td>${i.dateTime(a.timestamp)}</td>
                <td>${e(`event.${a.event_type}`)}</td>
                <td>${a.entity_id??e("common.none")}</td>
                <td class="wrap details">${a.details?JSON.stringify(a.details):""}</td>
              </tr>`)}</tbody></table></div>`:c`<p class="muted">${e("integration.events_empty")}</p>`}
      ${this._nextCursor?c`<button class="more" @click=${()=>this._loadEvents(!1).catch(a=>this._error=R(a))}>
            ${e("integration.more")}
          </button>`:u}
    `}async _heal(){let e=this._view;if(!(!this.hass||e.kind!=="integration")){this._healing=!0,this._healResult=void 0;try{let i=await g.heal(this.hass,e.id);this._healResult=this._localize("integration.heal_done",{outcome:i.outcome,recovered:i.entities_recovered?.length??0,affected:i.entities_affected?.length??0})}catch(i){this._healResult=R(i)}finally{this._healing=!1}}}_renderEngine(){let e=this._localize,i=this._fmt,s=this._engine;if(!s)return c`${this._loadingOr(s)}`;let a=Math.max(1,...s.daily_events.map(r=>r.events));return c`
      <section class="totals">
        ${this._tile(e("engine.size"),i.bytes(s.database_bytes))}
        ${this._tile(e("engine.growth"),e("engine.per_day",{value:i.bytes(s.growth_bytes_per_day)}))}
        ${this._tile(e("engine.events_per_day"),i.number(Math.round(s.events_per_day??0)))}
        ${this._tile(e("engine.queue"),i.number(s.queue_depth),s.queue_depth>1e3)}
        ${this._tile(e("engine.dropped"),i.number(s.dropped_records),s.dropped_records>0)}
        ${this._tile(e("engine.committed"),i.number(s.committed_records))}
      </section>
      <section class="card">
        <h2>${e("engine.database")}</h2>
        <p>${e("engine.backend")}: <strong class="backend">${s.backend}</strong> · ${e("engine.schema")}: ${s.schema_version??e("common.none")}
          · ${e("engine.last_commit")}: ${i.dateTime(s.last_commit)}</p>
        <h2>${e("engine.daily_events")}</h2>
        <div class="growth" role="img" aria-label=${e("engine.daily_events")}>
          ${s.daily_events.map(r=>c`<span class="growth-bar${r.partial?" partial":""}" style="height:${Math.max(2,r.events/a*100)}%"
              title="${i.date(r.start)}: ${i.number(r.events)}"></span>`)}
        </div>
      </section>
      <section class="card">
        <h2>${e("engine.jobs")}</h2>
        <div class="scroll"><table class="jobs">
          <thead><tr><th>${e("engine.job_type")}</th><th>${e("engine.job_range")}</th><th>${e("engine.job_status")}</th>
          <th class="num">${e("engine.job_rows")}</th><th class="num">${e("engine.job_took")}</th></tr></thead>
          <tbody>${s.jobs.map(r=>c`<tr>
              <td>${r.job_type}</td>
              <td>${i.dateTime(r.range_start)} – ${i.dateTime(r.range_end)}</td>
              <td title=${r.error??""}>${r.status}</td>
              <td class="num">${i.number(r.rows_written)}</td>
              <td class="num">${r.started_at&&r.completed_at?i.duration(r.completed_at-r.started_at):e("common.none")}</td>
            </tr>`)}</tbody></table></div>
      </section>
    `}};I.properties={hass:{attribute:!1},narrow:{type:Boolean},route:{attribute:!1},panel:{attribute:!1},_range:{state:!0},_overview:{state:!0},_detail:{state:!0},_timeline:{state:!0},_heatmap:{state:!0},_partners:{state:!0},_spells:{state:!0},_events:{state:!0},_nextCursor:{state:!0},_eventType:{state:!0},_entityFilter:{state:!0},_engine:{state:!0},_error:{state:!0},_loading:{state:!0},_query:{state:!0},_sort:{state:!0},_healing:{state:!0},_healResult:{state:!0}},I.styles=[Be,M`
      :host {
        display: block;
        background: var(--primary-background-color);
        min-height: 100vh;
      }
      .toolbar {
        display: flex;
        align-items: center;
        gap: 12px;
        height: var(--header-height, 56px);
        padding: 0 16px;
        background: var(--app-header-background-color, var(--primary-color));
        color: var(--app-header-text-color, var(--text-primary-color, #fff));
        border-bottom: var(--app-header-border-bottom, none);
        box-sizing: border-box;
      }
      .toolbar h1 {
        font-size: 20px;
        font-weight: 400;
        margin: 0;
        flex: 1;
      }
      .toolbar button {
        background: transparent;
        color: inherit;
        border: none;
      }
      .tab.active {
        border-bottom: 2px solid currentColor;
        border-radius: 0;
      }
      main {
        padding: 16px;
        max-width: 1400px;
        margin: 0 auto;
      }
      .range,
      .filters {
        display: flex;
        flex-wrap: wrap;
        gap: 8px 16px;
        align-items: end;
        margin-bottom: 16px;
      }
      .range label,
      .filters label {
        display: flex;
        flex-direction: column;
        font-size: 0.85em;
        color: var(--secondary-text-color);
        gap: 4px;
      }
      .totals {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(140px, 1fr));
        gap: 12px;
        margin-bottom: 16px;
      }
      .tile {
        margin: 0;
        padding: 12px;
      }
      .tile.alert .tile-value {
        color: var(--ir-bad);
      }
      .tile-value {
        font-size: 1.4em;
        font-weight: 500;
      }
      .tile-label {
        font-size: 0.85em;
      }
      .search {
        width: 100%;
        box-sizing: border-box;
        margin-bottom: 12px;
      }
      th button.sort {
        background: none;
        border: none;
        padding: 0;
        min-height: 0;
        font-weight: 500;
        color: var(--primary-text-color);
      }
      .integration-row {
        cursor: pointer;
      }
      .integration-row:hover {
        background: var(--secondary-background-color);
      }
      .name {
        display: flex;
        flex-direction: column;
      }
      .domain {
        font-size: 0.8em;
      }
      .back {
        margin-bottom: 12px;
      }
      .title-line {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 8px 12px;
      }
      .title-line h2 {
        margin: 0;
      }
      .spacer {
        flex: 1;
      }
      .figures {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(120px, 1fr));
        gap: 12px;
        margin-top: 12px;
      }
      .two {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(320px, 1fr));
        gap: 0 16px;
      }
      button.link {
        background: none;
        border: none;
        padding: 0;
        min-height: 0;
        color: var(--primary-color);
        text-decoration: underline;
      }
      td.wrap {
        white-space: normal;
        word-break: break-word;
      }
      td.details {
        font-family: var(--code-font-family, monospace);
        font-size: 0.8em;
      }
      .growth {
        display: flex;
        align-items: flex-end;
        gap: 2px;
        height: 100px;
      }
      .growth-bar {
        flex: 1;
        background: var(--primary-color);
        border-radius: 2px 2px 0 0;
      }
      .growth-bar.partial {
        opacity: 0.5;
      }
      .error {
        color: var(--ir-bad);
      }
      @media (max-width: 600px) {
        main {
          padding: 8px;
        }
        .two {
          grid-template-columns: 1fr;
        }
        .totals {
          grid-template-columns: repeat(2, 1fr);
        }
      }
    `];customElements.get("integration-reliability-panel")||customElements.define("integration-reliability-panel",I);export{I as IntegrationReliabilityPanel};
